"""The weekly summary: summarize a week, render it, deliver it, and schedule the job."""
