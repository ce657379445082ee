"""The version of linkratio: a leaf module, so reading it imports nothing else."""

__version__ = "0.1.0"
