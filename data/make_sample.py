"""Generate a fictional X "Download your data" archive: linkratio's sample and benchmark input.

The archive belongs to Maren Okafor (@marenbuilds), a made-up developer advocate at a
made-up streaming database company. Nothing in it is copied from a real archive: only the
shape of the records (keys, key order, string numbers, pretty-printing) follows real exports.

    python data/make_sample.py data/sample            # the committed sample
    python data/make_sample.py /tmp/big --posts 200000 --stats

Standard library only, deterministic for a given seed, and streamed: records are written
newest first, as X writes them, without holding the whole file in memory.
"""

from __future__ import annotations

import argparse
import bisect
import html
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from json.encoder import encode_basestring
from pathlib import Path

DEFAULT_POSTS = 2400
DEFAULT_SEED = 20230501
POSTS_PER_DAY = 4.0
LAST_MONTH_END = date(2025, 1, 1)  # derived spans end on 2024-12-31
MAX_MONTHS = 168  # 2011-01 .. 2024-12: snowflake ids need dates after 2010-11
NOTES_FROM = date(2023, 2, 9)  # long posts (note tweets) exist from here on
EDITS_FROM = date(2022, 10, 1)  # edit_info with more than one version from here on
X_COM_FROM = date(2024, 5, 17)
TWITTER_EPOCH_MS = 1288834974657
HOUR_MS = 3_600_000

# --------------------------------------------------------------------------- persona

Person = tuple[str, str, str]  # (display name, screen_name, user id)

OWNER: Person = ("Maren Okafor 🌊", "marenbuilds", "386771514")
ACCOUNT = {
    "email": "maren.okafor@example.com",
    "createdVia": "web",
    "username": OWNER[1],
    "accountId": OWNER[2],
    "createdAt": "2011-09-14T08:21:37.000Z",
    "accountDisplayName": OWNER[0],
}

# Conversation partners, most frequent first: the weights follow the rank.
PEOPLE: list[Person] = [
    ("Ana Lindqvist", "analindqvist", "1102938475"),
    ("Kofi Asante", "kofi_asante", "48213377"),
    ("Lena Brandt", "lenabrandt", "2841195063"),
    ("Wen Zhao", "wenzhao_dev", "1412870995315380227"),
    ("Rosa Delgado", "rosadelgado", "712094388"),
    ("Chidi Mensah", "chidicodes", "3320157741"),
    ("Hana Sato", "hanasato_", "1287765512309432321"),
    ("Tideline", "tidelinedev", "1090452877213224960"),
    ("Oskar Nyberg", "oskarnyberg", "19883412"),
    ("Priya Raman", "priyaraman_", "944217350"),
    ("Mateo Ruiz", "mateoruiz_dev", "1534098772261187584"),
    ("Elif Yıldız", "elifyildiz", "2298561034"),
    ("Ben Okoro", "benokoro_dev", "807716254"),
    ("Farah Qureshi", "farahq", "55190226"),
    ("Gus Moreau", "gusmoreau", "3004917729"),
    ("Quinn Harlow", "quinnharlow", "1168820046719053824"),
    ("Sami Haddad", "samihaddad", "219947501"),
    ("Tess Olsen", "tessolsen", "4419028135"),
    ("Uma Iyer", "umaiyer", "1371223904117641218"),
    ("Viktor Hale", "viktorhale", "601283947"),
    ("Yara Costa", "yaracosta", "2577130094"),
    ("Zoe Kim", "zoekim_", "1226617782094737408"),
    ("Arjun Mehta", "arjunmehta", "30117845"),
    ("Bea Santos", "beasantos", "1655302318"),
    ("Cato Lund", "catolund", "906771123380199424"),
    ("Dana Whitfield", "danawhit", "171820553"),
    ("Ivo Petrov", "ivopetrov", "3189045521"),
    ("Jules Abara", "julesabara", "1483310972220825600"),
    ("Nia Campbell", "niacampbell", "84402291"),
    ("Xavi Soler", "xavisoler", "2462200871"),
    ("Inês Duarte", "inesduarte", "1307458920011210752"),
    ("Marta Kowal", "martakowal", "774401338"),
    ("Leo Brandão", "leobrandao", "1044522167"),
    ("Sofia Greco", "sofiagreco_", "1597700155811368960"),
    ("Tomás Vidal", "tomasvidal", "3521007788"),
    ("StreamConf", "streamconf", "1011223344556677120"),
    ("Data Tejo Meetup", "datatejo", "1208334455667788800"),
    ("Quarry DB", "quarrydb", "1399887766554433024"),
    ("The Pipeline Weekly", "pipelineweekly", "1130099887766554368"),
    ("Tideline Docs", "tidelinedocs", "1355667788990011392"),
]

# (weight, host, path templates): blogs, news, docs; www. and subdomain variants;
# multi-part public suffixes (.co.uk, .com.au); URLs that carry a query string.
SITES: list[tuple[float, str, tuple[str, ...]]] = [
    (9, "www.tideline.dev", ("/blog/{slug}", "/changelog/{ver}", "/customers/{slug}")),
    (8, "docs.tideline.dev", ("/guides/{slug}", "/reference/sql/{word}", "/guides/{slug}?ref=tw")),
    (5, "blog.tideline.dev", ("/posts/{slug}", "/posts/{yr}/{slug}")),
    (
        6,
        "github.com",
        (
            "/tideline-labs/tideline/releases/tag/v{ver}",
            "/marenbuilds/{word}-demo",
            "/tideline-labs/tideline/pull/{n}",
            "/tideline-labs/tideline/issues/{n}",
        ),
    ),
    (2, "gist.github.com", ("/marenbuilds/{hex}",)),
    (4, "www.youtube.com", ("/watch?v={vid}", "/watch?v={vid}&t={n}s")),
    (2, "youtu.be", ("/{vid}",)),
    (3, "news.ycombinator.com", ("/item?id={big}",)),
    (3, "www.bbc.co.uk", ("/news/technology-{big}",)),
    (2, "www.codewire.co.uk", ("/features/{slug}", "/news/{yr}/{slug}")),
    (2, "dev.codewire.co.uk", ("/tutorials/{slug}",)),
    (1, "www.stackpress.com.au", ("/engineering/{slug}",)),
    (4, "docs.python.org", ("/3/library/{word}.html", "/3/whatsnew/3.{minor}.html")),
    (3, "www.postgresql.org", ("/docs/16/{word}.html", "/about/news/{slug}-{n}/")),
    (2, "en.wikipedia.org", ("/wiki/{wiki}",)),
    (3, "dev.to", ("/marenbuilds/{slug}-{hex4}", "/{friend}/{slug}-{hex4}")),
    (2, "medium.com", ("/@{friend}/{slug}-{hex}",)),
    (3, "lenabrandt.net", ("/notes/{slug}/", "/{yr}/{slug}")),
    (2, "blog.wenzhao.io", ("/{slug}",)),
    (2, "hanasato.substack.com", ("/p/{slug}",)),
    (2, "www.rosadelgado.me", ("/writing/{slug}",)),
    (2, "thenewstack.io", ("/{slug}/",)),
    (2, "lwn.net", ("/Articles/{n}/",)),
    (2, "stackoverflow.com", ("/questions/{big}/{slug}", "/a/{big}")),
    (2, "pypi.org", ("/project/{word}/",)),
    (1, "www.npmjs.com", ("/package/@tideline/{word}",)),
    (2, "speakerdeck.com", ("/marenbuilds/{slug}",)),
    (2, "www.meetup.com", ("/data-tejo/events/{big}/",)),
    (2, "streamconf.eu", ("/{yr}/talks/{slug}", "/{yr}/cfp?utm_source=twitter")),
    (1, "quarrydb.io", ("/docs/{word}",)),
    (1, "arxiv.org", ("/abs/{arxiv}",)),
    (1, "www.reddit.com", ("/r/dataengineering/comments/{hex6}/{slug}/",)),
    (1, "docs.google.com", ("/forms/d/e/{hex}/viewform?usp=sf_link",)),
]
SHORTENERS = ("bit.ly", "buff.ly", "ow.ly")

SRC_WEB = '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>'
SRC_IPHONE = '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>'
SRC_DECK = '<a href="https://twitter.com" rel="nofollow">TweetDeck Web App</a>'
SRC_BUFFER = '<a href="https://buffer.com" rel="nofollow">Buffer</a>'
SRC_HYPEFURY = '<a href="https://hypefury.com" rel="nofollow">Hypefury</a>'

# --------------------------------------------------------------------------- word banks

TOPICS = (
    "consumer lag",
    "backpressure",
    "late-arriving events",
    "schema evolution",
    "CDC from Postgres",
    "incremental materialized views",
    "window functions",
    "idempotent writes",
    "rate limiting",
    "connection pooling",
    "cold starts",
    "query planning",
    "bloom filters",
    "columnar storage",
    "WAL archiving",
    "zero-downtime migrations",
    "OpenTelemetry traces",
    "flaky tests",
    "dependency pinning",
    "type hints",
    "async Python",
    "SQLite in production",
    "exactly-once delivery",
    "incremental backfills",
    "partition pruning",
    "event sourcing",
    "time zones",
    "retry storms",
    "dead letter queues",
    "watermarks",
    "stream-table joins",
    "API pagination",
    "feature flags",
    "on-call handoffs",
    "docs versioning",
    "vector search",
    "data contracts",
    "cardinality explosions",
    "upserts",
    "out-of-order timestamps",
)
TOOLS = (
    "Postgres",
    "Kafka",
    "DuckDB",
    "SQLite",
    "Python",
    "Rust",
    "Go",
    "Redis",
    "Grafana",
    "Terraform",
    "dbt",
    "Airflow",
    "Kubernetes",
    "pandas",
    "Polars",
    "Tideline",
    "ClickHouse",
    "Flink",
    "Debezium",
    "NATS",
)
EVENTS = (
    "StreamConf",
    "Tideline Summit",
    "Data Tejo",
    "Porto Tech Week",
    "EuroStream",
    "Query Camp",
    "DevRel Days Lisbon",
    "PyData Coimbra",
)
CITIES = ("Lisbon", "Porto", "Berlin", "Amsterdam", "Madrid", "Dublin", "Kraków", "Copenhagen")
FIXES = (
    "pinning the client version",
    "adding an index on (tenant_id, created_at)",
    "bumping the consumer fetch size",
    "turning off autocommit",
    "moving the dedupe upstream",
    "a bigger shared_buffers",
    "splitting the topic by tenant",
    "a 5 minute watermark",
    "retries with jitter",
    "reading the changelog, embarrassingly",
    "a composite key",
    "dropping the ORM for that one query",
)
FEATURES = (
    "incremental materialized views",
    "a Python SDK",
    "exactly-once sinks",
    "schema registry support",
    "a new CLI",
    "native Postgres CDC",
    "time travel queries",
    "a Grafana plugin",
    "backfill previews",
    "row-level TTLs",
    "the playground",
)
TITLES = (
    "How we cut {topic} latency by {n}%",
    "A gentle intro to {topic}",
    "Why {topic} is harder than it looks",
    "Debugging {topic} in {tool}",
    "{topic} without tears",
    "What {n} customers taught us about {topic}",
    "The boring guide to {topic}",
    "{tool} {ver} release notes",
    "Notes from {event}: {topic}",
    "Everything I got wrong about {topic}",
)
SLUG_WORDS = (
    "streaming",
    "joins",
    "postgres",
    "kafka",
    "backfills",
    "latency",
    "schema",
    "cdc",
    "python",
    "sql",
    "windows",
    "watermarks",
    "devrel",
    "docs",
    "migrations",
    "testing",
    "observability",
    "duckdb",
    "benchmarks",
    "pipelines",
    "lessons",
    "guide",
    "intro",
    "deep-dive",
    "patterns",
    "2024",
    "tips",
    "production",
)
WIKI = (
    "Bloom_filter",
    "Write-ahead_logging",
    "Lamport_timestamp",
    "Idempotence",
    "Change_data_capture",
    "Little%27s_law",
    "Two-phase_commit_protocol",
)
TAGS = (
    "Python",
    "PostgreSQL",
    "DataEngineering",
    "DevRel",
    "StreamConf",
    "OpenSource",
    "SQL",
    "Kafka",
    "DuckDB",
    "RustLang",
    "Lisbon",
    "100DaysOfCode",
)
CASHTAGS = ("TIDE", "SNOW", "MDB", "DDOG")
TOPICS_ES = (
    "la replicación lógica",
    "los backfills",
    "las migraciones sin downtime",
    "los joins en streaming",
)

Tpl = tuple[str, ...]
_WORDS: dict[str, Tpl] = {
    "topic": TOPICS,
    "tool": TOOLS,
    "event": EVENTS,
    "city": CITIES,
    "fix": FIXES,
    "feature": FEATURES,
    "topic_es": TOPICS_ES,
}

POSTS: Tpl = (
    "Spent the morning chasing {topic} in {tool}. The fix was one line. It always is.",
    "Hot take: {topic} is a people problem wearing a technical costume.",
    "Today I learned {tool} has had {feature} for years. Years of doing it the hard way 🙃",
    "Reminder that {topic} is hard and you are doing fine.",
    "Writing docs for {topic} and realising I understand it less than I thought.",
    "{n} tabs open about {topic}. Send help, or snacks.",
    "Nothing humbles you like a demo of {topic} in front of {n} people.",
    "Rewrote the {topic} guide for the third time. Third time lucky 🤞",
    "Lisbon is 24°C and I'm indoors reading about {topic}.",
    "Shipping a tiny {tool} change today and feeling unreasonably proud of it.",
    "Best part of devrel: someone tells you your {topic} post saved their weekend. {tag}",
    "Unpopular opinion: {tool} is fine. Your config is the problem.",
    "Pairing with {m} on {topic} today, learned a ton.",
    "Counting down to {event}. Slides are 80% done, which means 40% done.",
    "Some days are for {topic}. Today was for inbox zero.",
    "Bom dia Lisboa ☀️ café, pastel de nata e {topic}.",
    "Watching {tool} numbers today {cash} {tag}",
)
POSTS_HTML: Tpl = (
    "Pipeline of the day: {tool} -> Tideline -> {tool}. Boring & reliable, as it should be.",
    "p99 < 50ms after {fix} 🎉",
    "Q&A with the {tool} team at {event} was gold",
    "<3 to everyone who came to {event}",
    "Rule of thumb: rows > 10M means it's time to think about {topic}.",
    "Docs & demos & snacks: the devrel food pyramid",
)
LINKS: Tpl = (
    "New post: {title} {url}",
    "Wrote up everything I know about {topic} {url}",
    "{title} {url}",
    "Just shipped: {feature} in Tideline {ver} 🚀 {url}",
    "Slides from my {event} talk on {topic}: {url}",
    "Great read on {topic} by {m} {url}",
    "If you read one thing about {topic} this week, make it this one {url}",
    "Docs for {feature} are live {url} {tag}",
    "The {event} CFP closes Friday, go submit {url}",
    "Recording of yesterday's livestream on {topic} {url}",
    "This {topic} explainer is 🔥 {url}",
    "Bookmarking this for later: {url}",
    "{tool} {ver} is out {url} {tag}",
    "Worth your time {url}",
    "Our {topic} benchmark, with all the caveats: {url}",
    "{title} via {m} {url}",
    "Finally wrote the {topic} post I kept promising {url} {tag} {tag}",
)
LINK_THOUGHTS: Tpl = (
    "Read this, thoughts? {url}",
    "Interesting take on {topic}, thoughts? {url}",
    "Anyone tried this yet? {url}",
    "Is this the end of {topic} as we know it? {url}",
)
OTHERS: Tpl = (
    "We just released {tool} {ver} with {feature} {url}",
    "New blog post: {title} {url}",
    "Thread on {topic} and why most teams get it wrong 🧵",
    "PSA: {tool} {ver} fixes a nasty {topic} bug, please upgrade",
    "Slides from my talk at {event} are up {url} {tag}",
    "{topic} is not a bug, it's a lifestyle",
    "Hiring: senior engineers who love {topic}, remote in Europe {url}",
    "Early bird tickets for {event} are live, see you in {city} {url}",
    "After {n} years of {topic} I finally understand {topic}. Long thread, sorry in advance",
    "The {event} schedule is out and it is stacked {url} {tag}",
    "Hot take: {tool} is the best thing to happen to {topic} since {tool}",
)
QUOTES: Tpl = (
    "this 👇",
    "This is the clearest explanation of {topic} I've seen",
    "Couldn't agree more",
    "yes yes yes",
    "Important thread on {topic} 🧵",
    "Bookmarking",
    "{who} always delivers",
    "Everyone doing {topic} should read this",
    "So proud of this team 💙",
    "We're hiring too, come work with me!",
)
QUOTE_QUESTIONS: Tpl = (
    "why does nobody talk about this?",
    "is this the end of {topic}?",
    "who's going?",
)
SELF_QUOTES: Tpl = (
    "Still true a year later",
    "Following up on this: we shipped it 🎉",
    "Told you so 😄",
    "Update: fixed in {ver}",
    "Six months later, still the best thing I wrote about {topic}",
)
REPLIES: Tpl = (
    "thanks! glad it helped",
    "ha, same here",
    "100% agree",
    "congrats!! 🎉",
    "that's a great point about {topic}",
    "we hit exactly this last month, ended up {fix}",
    "oh nice, {tool} {ver} fixed this for us too",
    "see you at {event}!",
    "I owe you a coffee for this ☕",
    "this is the way",
    "not yet, but it's on my list",
    "you're too kind 🙏",
    "let's pair on it next week",
    "the trick for us was {fix}",
    "honestly {topic} is 80% naming things",
    "sending good vibes for the launch",
    "hah, I wrote the bug AND the fix",
    "DM'd you",
    "+1, would love a write-up",
    "same, {topic} bit us hard in prod",
    "love this, stealing it for my {event} talk",
    "🙏",
    "welcome to the club 😅",
)
REPLY_QUESTIONS: Tpl = (
    "did you try {fix}?",
    "which {tool} version is that?",
    "is that on the public roadmap?",
    "wait, does that work with {topic} too?",
    "are you coming to {event}?",
    "how big is the table?",
)
REPLY_LINKS: Tpl = (
    "here's the doc: {url}",
    "this should help {url}",
    "we wrote it up here {url}",
    "there's a guide for exactly this {url}",
    "try this, it fixed it for us {url}",
    "does this help? {url}",
)
REPLY_QUOTES: Tpl = (
    "{m} had a great thread on this {qurl}",
    "see {qurl}",
    "this answer is the best I know {qurl}",
)
OLD_REPLIES: Tpl = (
    "hey! long time, are you still in {city}? we should catch up",
    "thanks for the follow, loved your {topic} talk",
    "just saw your {event} slides, great stuff",
)
MENTIONS_DOT: Tpl = (
    "how did your {event} talk go?",
    "just explained {topic} better in 5 minutes than I managed in a year",
    "and I are pairing on {topic} live at 4pm",
    "you were right about {topic}, as usual",
    "is the person to follow for {topic}, trust me",
)
MENTIONS_AT: Tpl = (
    "happy birthday!! 🎂 have a great one",
    "congrats on the new role, they are lucky to have you",
)
QUESTIONS: Tpl = (
    "Anyone going to {event} this year?",
    "What's your go-to tool for {topic}?",
    "How do you explain {topic} to a non-engineer?",
    "Is {tool} still the default for {topic}?",
    "Which talk at {event} should I not miss?",
    "Who else is debugging {topic} on a Friday?",
    "What's the best book on {topic}? Looking for something practical",
    "Dear lazyweb: how do I get {tool} to stop logging everything twice?",
    "Should we do a livestream on {topic} next week?",
    "Q&A tomorrow on {topic}, what should we cover?",
    "Alguém vai ao {event} este ano?",
    "Favourite {topic} war story? Go",
)
QUESTIONS_FULLWIDTH: Tpl = ("{event}に参加する人いますか？", "{tool}の勉強会、興味ある人いますか？")
QUESTIONS_INVERTED: Tpl = ("¿Alguien va a {event} este año?", "¿Qué usáis para {topic_es}?")
QUESTIONS_EMOJI: Tpl = ("{tool} or {tool} for {topic} ❓", "Best way to learn {tool} ❓")
QUESTIONS_INTERROBANG: Tpl = ("Who schedules a {tool} upgrade on a Friday‽",)
THREADS: Tpl = (
    "The trick is {fix}.",
    "The other half of the story is {topic}.",
    "And yes, {tool} handles this natively now.",
    "Caveat: this falls apart with {topic}, more on that later.",
    "That's it, that's the thread 🙏",
    "Big thanks to {m} for the review.",
    "Numbers: {n}% fewer pages after the change.",
)
THREAD_LINKS: Tpl = ("Full write-up: {url}", "Code is here {url}", "Docs: {url}")
THREAD_QUESTIONS: Tpl = ("Has anyone seen this with {tool}?", "What would you add?")
PHOTOS: Tpl = (
    "Sunset at the river after {event} 🌅",
    "Our booth at {event} is ready!",
    "Whiteboard from today's {topic} session",
    "New stickers just landed",
    "Desk setup, v{n}",
    "{city} never gets old",
    "Team dinner in {city}",
    "Speaker selfie at {event} with {m}",
    "Miradouro break ☀️",
)
VIDEOS: Tpl = (
    "Demo: {feature} in 90 seconds",
    "Live-coding {topic} at {event}",
    "Quick walkthrough of {feature}",
)
GIFS: Tpl = (
    "me when {topic} works on the first try",
    "Friday deploy energy",
    "when the CI finally goes green",
)
LONG_SENTENCES: Tpl = (
    "I've been thinking a lot about {topic} lately.",
    "Here's what I've learned after {n} years of doing devrel for data tools.",
    "Docs beat demos. Demos beat slides. Nobody reads the changelog.",
    "The part nobody tells you is that {topic} is mostly about {topic}.",
    "We rebuilt our {topic} guide from scratch this quarter and support tickets dropped by {n}%.",
    "None of this is new, but it's worth repeating.",
    "If you're starting out, pick one tool, learn it deeply, then branch out.",
    "The best feedback on {feature} came from {m}, who tried it on a real workload.",
    "Most outages I've seen started as a small {topic} problem that nobody owned.",
    "Write the runbook before you need it, and test it like code.",
    "When in doubt, measure. When not in doubt, measure anyway.",
    "I keep coming back to {fix} as the cheapest fix for {topic}.",
)
LONG_LINK_ENDINGS: Tpl = ("Full write-up with all the numbers: {url}", "Slides and code: {url}")
LONG_QUESTION_ENDINGS: Tpl = ("What would you add to the list?", "Did I miss anything?")
# (template, typo in the first version, fixed word in later versions)
EDITS: tuple[tuple[str, str, str], ...] = (
    ("Tideline {ver} is out: faser joins and {feature} 🎉", "faser", "faster"),
    ("The {tool} relase notes are worth a read, lots of {topic} goodies", "relase", "release"),
    ("Postgers tip of the day: {fix} fixes most {topic} pain", "Postgers", "Postgres"),
)

# --------------------------------------------------------------------------- cases

# case -> (expected category, expected kind) under TAXONOMY.md, by construction.
CASES: dict[str, tuple[str, str]] = {
    "retweet": ("retweet", "repost"),
    "retweet_media": ("retweet", "repost"),
    "manual_mt": ("retweet", "manual_rt"),
    "manual_rt_lowercase": ("retweet", "manual_rt"),
    "reply": ("conversation", "reply"),
    "reply_multi_mention": ("conversation", "reply"),
    "reply_link": ("conversation", "reply"),
    "reply_quote": ("conversation", "reply"),
    "reply_question": ("conversation", "reply"),
    "reply_photo": ("conversation", "reply"),
    "reply_no_status_id": ("conversation", "reply"),
    "mention_dot": ("conversation", "mention"),
    "mention_at_not_reply": ("conversation", "mention"),
    "question": ("conversation", "question"),
    "question_fullwidth": ("conversation", "question"),
    "question_inverted": ("conversation", "question"),
    "question_emoji": ("conversation", "question"),
    "question_interrobang": ("conversation", "question"),
    "long_question_past_cut": ("conversation", "question"),
    "thread_question": ("conversation", "question"),
    "quote": ("link", "quote"),
    "quote_question": ("link", "quote"),
    "link": ("link", "url"),
    "link_thoughts_question": ("link", "url"),
    "link_photo": ("link", "url"),
    "long_link_visible": ("link", "url"),
    "long_link_in_note_only": ("link", "url"),
    "thread_link": ("link", "url"),
    "edited_latest_link": ("link", "url"),
    "thread": ("other", "thread"),
    "post": ("other", "post"),
    "post_html_entities": ("other", "post"),
    "photo": ("other", "post"),
    "video": ("other", "post"),
    "gif": ("other", "post"),
    "media_only": ("other", "post"),
    "self_quote": ("other", "post"),
    "iweb_self_link": ("other", "post"),
    "long_post": ("other", "post"),
    "edited_latest_post": ("other", "post"),
    "edit_superseded": ("(dropped)", "older version of an edited post"),
}
FAMILY = {c: cat for c, (cat, _) in CASES.items()}

# Relative weights inside each family; threads and edits come from event expansion.
WEIGHTS: dict[str, dict[str, float]] = {
    "link": {
        "link": 48,
        "retweet": 25,
        "retweet_media": 8,
        "quote": 9,
        "quote_question": 1.2,
        "link_thoughts_question": 1.5,
        "link_photo": 8,
        "long_link_visible": 1,
        "long_link_in_note_only": 1.2,
        "manual_mt": 0.8,
        "manual_rt_lowercase": 0.6,
    },
    "conversation": {
        "reply": 50,
        "reply_multi_mention": 5,
        "reply_link": 7,
        "reply_quote": 2,
        "reply_question": 8,
        "reply_photo": 6,
        "reply_no_status_id": 1.2,
        "mention_dot": 5,
        "mention_at_not_reply": 0.8,
        "question": 12,
        "question_fullwidth": 0.7,
        "question_inverted": 0.7,
        "question_emoji": 0.8,
        "question_interrobang": 0.4,
        "long_question_past_cut": 1,
    },
    "other": {
        "post": 36,
        "post_html_entities": 4,
        "photo": 30,
        "video": 6,
        "gif": 4,
        "media_only": 3,
        "self_quote": 1.5,
        "iweb_self_link": 1.2,
        "long_post": 3,
    },
}
NEEDS_NOTES = {"long_link_visible", "long_link_in_note_only", "long_question_past_cut", "long_post"}
THREAD_HEADS = {"post", "link", "long_post", "photo", "post_html_entities"}
EDITABLE = {"post", "link"}
# Every case appears at least this often (rarer ones are swapped in for a common one).
MIN_COUNT = 3

# --------------------------------------------------------------------------- low level

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_B64 = _ALNUM + "-_"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}


def snowflake(rng: random.Random, ms: int) -> int:
    """An X id for a moment: milliseconds since the Twitter epoch, then 22 random bits."""
    return ((ms - TWITTER_EPOCH_MS) << 22) | rng.getrandbits(22)


def snowflake_ms(sid: int) -> int:
    """The creation time, in Unix milliseconds, encoded in an X id."""
    return (sid >> 22) + TWITTER_EPOCH_MS


def created_at(ms: int) -> str:
    """The archive's `created_at`: `Sat Nov 09 12:14:18 +0000 2024`."""
    d = datetime.fromtimestamp(ms // 1000, UTC)
    return (
        f"{_DAYS[d.weekday()]} {_MONTHS[d.month - 1]} {d.day:02d} "
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} +0000 {d.year}"
    )


def iso_ms(ms: int, keep_ms: bool = True) -> str:
    """ISO time as the archive writes it in edit_info and notes: `2024-11-09T13:14:18.648Z`."""
    d = datetime.fromtimestamp(ms // 1000, UTC)
    return (
        f"{d.year}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
        f".{ms % 1000 if keep_ms else 0:03d}Z"
    )


# Random bytes -> characters of an alphabet, in C (bytes.translate) since ids are many.
_TO_ALNUM = (_ALNUM * 5)[:256].encode()
_TO_B64 = (_B64 * 4)[:256].encode()


def _code(rng: random.Random, n: int, alphabet: str = _ALNUM) -> str:
    table = _TO_B64 if alphabet is _B64 else _TO_ALNUM
    return rng.randbytes(n).translate(table).decode()


def _tco(rng: random.Random) -> str:
    return "https://t.co/" + _code(rng, 10)


def display_url(expanded: str) -> str:
    """X's display form of a URL: no scheme, no `www.`, cut at 26 characters with `…`."""
    d = expanded.split("://", 1)[-1]
    d = d.removeprefix("www.").rstrip("/")
    return d[:26] + "…" if len(d) > 27 else d


# --------------------------------------------------------------------------- serializer

_KEYS: dict[str, str] = {}


def _dump(obj: object, ind: str, out: Callable[[str], object]) -> None:
    """Write JSON exactly as X pretty-prints archives: 2 spaces, ` : `, `[ ]` and `{ }`."""
    if type(obj) is str:
        out(encode_basestring(obj))
    elif type(obj) is dict:
        if not obj:
            out("{ }")
            return
        inner = ind + "  "
        sep, nxt = "{\n" + inner, ",\n" + inner
        for k, v in obj.items():
            key = _KEYS.get(k)
            if key is None:
                key = _KEYS[k] = encode_basestring(k) + " : "
            out(sep)
            out(key)
            if type(v) is str:
                out(encode_basestring(v))
            else:
                _dump(v, inner, out)
            sep = nxt
        out("\n" + ind + "}")
    elif type(obj) is list:
        if not obj:
            out("[ ]")
            return
        inner = ind + "  "
        sep, nxt = "[\n" + inner, ",\n" + inner
        for v in obj:
            out(sep)
            if type(v) is str:
                out(encode_basestring(v))
            else:
                _dump(v, inner, out)
            sep = nxt
        out("\n" + ind + "]")
    else:
        out("true" if obj is True else "false" if obj is False else "null")


class ArchiveWriter:
    """Stream records into one `window.YTD.<name>.part0 = [...]` file."""

    def __init__(self, path: Path, name: str) -> None:
        self._fh = path.open("w", encoding="utf-8", newline="\n")
        self._fh.write(f"window.YTD.{name}.part0 = [")
        self._buf: list[str] = []
        self._first = True
        self.count = 0

    def add(self, record: dict[str, object]) -> None:
        """Append one record (`{"tweet": {...}}` or similar)."""
        self._buf.append("\n  " if self._first else ",\n  ")
        self._first = False
        _dump(record, "  ", self._buf.append)
        self.count += 1
        if len(self._buf) > 20_000:
            self._fh.write("".join(self._buf))
            self._buf.clear()

    def close(self) -> None:
        """Finish the array and close the file."""
        self._buf.append("\n]" if self.count else " ]")
        self._fh.write("".join(self._buf))
        self._fh.close()


# --------------------------------------------------------------------------- text


class Link:
    """An external URL as it appears in an entity: expanded and display forms."""

    __slots__ = ("expanded", "display", "features")

    def __init__(self, expanded: str, display: str, features: tuple[str, ...] = ()) -> None:
        self.expanded, self.display, self.features = expanded, display, features


# A segment is plain text (str) or a tuple: ("m", Person) mention, ("u", Link) URL,
# ("h", tag) hashtag, ("c", symbol) cashtag.
Segment = str | tuple[str, object]


class Rendered:
    """Text and entities of one rendering of segments (tweet or note)."""

    __slots__ = ("text", "hashtags", "symbols", "mentions", "urls", "cut")

    def __init__(self) -> None:
        self.text = ""
        self.hashtags: list[dict[str, object]] = []
        self.symbols: list[dict[str, object]] = []
        self.mentions: list[dict[str, object]] = []
        self.urls: list[dict[str, object]] = []
        self.cut = False


def _entity_text(seg: tuple[str, object], tco: str) -> str:
    kind, val = seg
    if kind == "m":
        return "@" + val[1]  # type: ignore[index]
    if kind == "u":
        return tco
    return ("#" if kind == "h" else "$") + str(val)


def render(
    rng: random.Random, segs: list[Segment], limit: int = 0, note: bool = False, words: bool = True
) -> Rendered:
    """Lay segments out as text with entity indices; cut at `limit` characters with `…`.

    Tweets escape `&`, `<`, `>` (indices count the escaped text, as in real archives);
    notes keep the raw characters and use the note entity shapes. Long posts are cut
    between words; retweets (`words=False`) at exactly `limit` characters.
    """
    r, parts, n = Rendered(), [], 0
    for seg in segs:
        if type(seg) is str:
            s = seg if note else seg.translate(_ESCAPES)
            if limit and n + len(s) > limit:
                keep = s[: limit - n - 1]
                space = keep.rfind(" ") if words else -1
                parts.append((keep[:space].rstrip() if space > 0 else keep) + "…")
                r.cut = True
                break
            parts.append(s)
            n += len(s)
            continue
        tco = _tco(rng)
        s = _entity_text(seg, tco)  # type: ignore[arg-type]
        if limit and n + len(s) > limit - 1:
            parts[-1] = parts[-1].rstrip() + "…" if parts else "…"
            r.cut = True
            break
        _add_entity(r, seg, tco, n, n + len(s), note)  # type: ignore[arg-type]
        parts.append(s)
        n += len(s)
    r.text = "".join(parts)
    return r


def _add_entity(r: Rendered, seg: tuple[str, object], tco: str, a: int, b: int, note: bool) -> None:
    kind, val = seg
    if note:
        fa, fb = str(a), str(b)
        if kind == "u":
            link: Link = val  # type: ignore[assignment]
            r.urls.append(
                {
                    "expandedUrl": link.expanded,
                    "toIndex": fb,
                    "shortUrl": tco,
                    "displayUrl": link.display,
                    "fromIndex": fa,
                }
            )
        elif kind == "m":
            r.mentions.append({"screenName": val[1], "fromIndex": fa, "toIndex": fb})  # type: ignore[index]
        else:
            target = r.hashtags if kind == "h" else r.symbols
            target.append({"text": val, "fromIndex": fa, "toIndex": fb})
        return
    ind = [str(a), str(b)]
    if kind == "u":
        link = val  # type: ignore[assignment]
        r.urls.append(
            {"url": tco, "expanded_url": link.expanded, "display_url": link.display, "indices": ind}
        )
    elif kind == "m":
        name, sn, uid = val  # type: ignore[misc]
        r.mentions.append(
            {"name": name, "screen_name": sn, "indices": ind, "id_str": uid, "id": uid}
        )
    else:
        (r.hashtags if kind == "h" else r.symbols).append({"text": val, "indices": ind})


# --------------------------------------------------------------------------- content


class Content:
    """Fills templates: `{topic}` and friends become words, `{url}`/`{m}`/`{tag}` entities."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        total = sum(w for w, _, _ in SITES)
        self._site_cum = [sum(w for w, _, _ in SITES[: i + 1]) / total for i in range(len(SITES))]
        self._people_cum: list[float] = []
        acc = 0.0
        for rank in range(len(PEOPLE)):
            acc += 1 / (rank + 1) ** 0.9
            self._people_cum.append(acc)
        self.link: Link | None = None  # the URL `{url}` stands for in the current post
        self.qurl: Link | None = None

    def person(self) -> Person:
        """A conversation partner, frequent ones more often."""
        return self.rng.choices(PEOPLE, cum_weights=self._people_cum)[0]

    def words(self, key: str) -> str:
        """One filler word or phrase for a template slot."""
        rng = self.rng
        pick = _WORDS.get(key)
        if pick is not None:
            return rng.choice(pick)
        if key == "n":
            return str(rng.choice((2, 3, 4, 5, 7, 10, 12, 20, 30, 40, 60, 90)))
        if key == "ver":
            return f"{rng.randint(1, 4)}.{rng.randint(0, 12)}"
        if key == "who":
            return self.person()[0].split()[0]
        if key == "title":
            return "".join(s for s in self.fill(rng.choice(TITLES)) if type(s) is str)
        raise KeyError(key)

    def fill(self, template: str) -> list[Segment]:
        """Turn a template into segments."""
        segs: list[Segment] = []
        rest = template
        while "{" in rest:
            head, _, tail = rest.partition("{")
            key, _, rest = tail.partition("}")
            if head:
                segs.append(head)
            segs.append(self._slot(key))
        if rest:
            segs.append(rest)
        return _merge(segs)

    def _slot(self, key: str) -> Segment:
        if key == "url":
            self.link = self.link or self.new_link()
            return ("u", self.link)
        if key == "qurl":
            return ("u", self.qurl or self.quote_link(self.person(), 0))
        if key == "m":
            return ("m", self.person())
        if key == "tag":
            return ("h", self.rng.choice(TAGS))
        if key == "cash":
            return ("c", self.rng.choice(CASHTAGS))
        return self.words(key)

    def new_link(self) -> Link:
        """An external link: a site page, sometimes behind a shortener, rarely unexpanded."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:
            short = f"https://{rng.choice(SHORTENERS)}/{_code(rng, rng.choice((6, 7)))}"
            return Link(short, display_url(short), ("short link as expanded_url",))
        if roll < 0.06:
            tco = _tco(rng)
            return Link(tco, tco.removeprefix("https://"), ("t.co not expanded",))
        _, host, paths = SITES[bisect.bisect_left(self._site_cum, rng.random())]
        path = self._path(rng.choice(paths))
        scheme = "http" if rng.random() < 0.03 else "https"
        url = f"{scheme}://{host}{path}"
        feats = [f"host {host}"]
        if "?" in url:
            feats.append("URL with ?")
        return Link(url, display_url(url), tuple(feats))

    def _path(self, tpl: str) -> str:
        rng = self.rng
        fills = {
            "slug": lambda: "-".join(rng.sample(SLUG_WORDS, rng.randint(2, 5))),
            "word": lambda: rng.choice(SLUG_WORDS).replace("-", ""),
            "ver": lambda: f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}",
            "n": lambda: str(rng.randint(10, 9999)),
            "big": lambda: str(rng.randint(10**7, 10**8)),
            "yr": lambda: str(rng.choice((2023, 2024))),
            "vid": lambda: _code(rng, 11, _B64),
            "hex": lambda: f"{rng.getrandbits(128):032x}",
            "hex4": lambda: f"{rng.getrandbits(16):04x}",
            "hex6": lambda: _code(rng, 6).lower(),
            "minor": lambda: str(rng.randint(10, 13)),
            "wiki": lambda: rng.choice(WIKI),
            "friend": lambda: self.person()[1],
            "arxiv": lambda: f"{rng.randint(2301, 2412)}.{rng.randint(1000, 29999):05d}",
        }
        out = tpl
        while "{" in out:
            head, _, tail = out.partition("{")
            key, _, rest = tail.partition("}")
            out = head + fills[key]() + rest
        return out

    def quote_link(self, who: Person, ms: int, use_x: bool = False) -> Link:
        """A link to someone's post: how the archive shows a quote."""
        sid = (
            snowflake(self.rng, ms - self.rng.randint(60_000, 72 * HOUR_MS))
            if ms
            else self.rng.getrandbits(60)
        )
        url = f"https://{'x' if use_x else 'twitter'}.com/{who[1]}/status/{sid}"
        return Link(url, display_url(url))


def _merge(segs: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for s in segs:
        if type(s) is str and out and type(out[-1]) is str:
            out[-1] = out[-1] + s  # type: ignore[operator]
        else:
            out.append(s)
    return out


# --------------------------------------------------------------------------- media

_SIZE_ORDERS = (
    ("large", "medium", "thumb", "small"),
    ("small", "thumb", "large", "medium"),
    ("medium", "large", "thumb", "small"),
    ("thumb", "small", "medium", "large"),
)
_DIMS = (
    (4032, 3024),
    (3024, 4032),
    (1920, 1080),
    (1080, 1350),
    (1200, 675),
    (2048, 1536),
    (1080, 1080),
    (1600, 900),
)
_DIMS_WIDE = ((1920, 1080), (1280, 720), (1440, 1080), (498, 280), (640, 360))


def _sizes(rng: random.Random, w: int, h: int) -> dict[str, object]:
    def fit(limit: int) -> dict[str, str]:
        scale = min(1.0, limit / max(w, h))
        return {"w": str(round(w * scale)), "h": str(round(h * scale)), "resize": "fit"}

    table = {
        "large": fit(2048),
        "medium": fit(1200),
        "small": fit(680),
        "thumb": {"w": "150", "h": "150", "resize": "crop"},
    }
    return {k: table[k] for k in rng.choice(_SIZE_ORDERS)}


def _media_key(rng: random.Random, ms: int) -> str:
    year = datetime.fromtimestamp(ms // 1000, UTC).year
    first = "ABCDEFG"[max(0, min(6, year - 2018))]
    return first + _code(rng, 14, _B64)


def _video_info(rng: random.Random, mid: str, w: int, h: int, gif_key: str) -> dict[str, object]:
    if gif_key:
        g = math.gcd(w, h)
        return {
            "aspect_ratio": [str(w // g), str(h // g)],
            "variants": [
                {
                    "bitrate": "0",
                    "content_type": "video/mp4",
                    "url": f"https://video.twimg.com/tweet_video/{gif_key}.mp4",
                }
            ],
        }
    base = f"https://video.twimg.com/ext_tw_video/{mid}/pu"
    variants: list[dict[str, str]] = [
        {
            "content_type": "application/x-mpegURL",
            "url": f"{base}/pl/{_code(rng, 16, _B64)}.m3u8?tag=12",
        }
    ]
    for bitrate, vw in ((256000, 480), (832000, 640), (2176000, 1280), (10368000, 1920)):
        vh = vw * h // w
        variants.append(
            {
                "bitrate": str(bitrate),
                "content_type": "video/mp4",
                "url": f"{base}/vid/avc1/{vw}x{vh}/{_code(rng, 16, _B64)}.mp4?tag=12",
            }
        )
    rng.shuffle(variants)
    g = math.gcd(w, h)
    return {
        "aspect_ratio": [str(w // g), str(h // g)],
        "duration_millis": str(rng.randint(4000, 180_000)),
        "variants": variants,
    }


def media_entities(
    rng: random.Random,
    kind: str,
    count: int,
    tco: str,
    ind: list[str],
    status_url: str,
    ms: int,
    source: tuple[str, str] | None = None,
) -> tuple[dict[str, object], list[dict[str, object]]]:
    """One post's attachments: the `entities.media` entry and the `extended_entities` list.

    `source` (status id, user id) marks media that came with a retweeted post.
    """
    ext: list[dict[str, object]] = []
    first: dict[str, object] = {}
    path = "video/1" if kind == "video" else "photo/1"
    for i in range(count):
        mid = str(snowflake(rng, ms - rng.randint(2_000, 90_000)))
        w, h = rng.choice(_DIMS if kind == "photo" else _DIMS_WIDE)
        key = _media_key(rng, ms)
        if kind == "video":
            thumb = f"pbs.twimg.com/ext_tw_video_thumb/{mid}/pu/img/{_code(rng, 16, _B64)}.jpg"
        elif kind == "animated_gif":
            thumb = f"pbs.twimg.com/tweet_video_thumb/{key}.jpg"
        else:
            thumb = f"pbs.twimg.com/media/{key}.jpg"
        m: dict[str, object] = {"expanded_url": f"{status_url}/{path}"}
        if source:
            m["source_status_id"] = source[0]
        m.update({"indices": ind, "url": tco, "media_url": "http://" + thumb, "id_str": mid})
        if source:
            m["source_user_id"] = source[1]
        plain = dict(m)
        if kind != "photo":
            m["video_info"] = _video_info(rng, mid, w, h, key if kind == "animated_gif" else "")
        if kind == "video":
            m["additional_media_info"] = {"monetizable": False}
        sizes = _sizes(rng, w, h)
        tail = {"id": mid, "media_url_https": "https://" + thumb}
        if source:
            tail["source_user_id_str"] = source[1]
        for target, typ in ((m, kind), (plain, "photo")):
            target.update(tail)
            target["sizes"] = sizes
            target["type"] = typ
            if source:
                target["source_status_id_str"] = source[0]
            target["display_url"] = tco.removeprefix("https://").replace("t.co", "pic.twitter.com")
        ext.append(m)
        if i == 0:
            first = plain
    return first, ext


# --------------------------------------------------------------------------- planning


class Item:
    """One record to write: its id, the case it shows and who/what it refers to."""

    __slots__ = ("id", "case", "partner", "target", "edit")

    def __init__(
        self,
        sid: int,
        case: str,
        partner: Person | None = None,
        target: int = 0,
        edit: tuple[list[int], str] | None = None,
    ) -> None:
        self.id, self.case, self.partner, self.target, self.edit = sid, case, partner, target, edit


def _cum(weights: list[float]) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


# Local (Lisbon) hour-of-day rhythm: a morning and an afternoon peak, a late-evening tail.
_HOURS_WEEKDAY = _cum(
    [
        0.3,
        0.1,
        0.05,
        0.02,
        0.02,
        0.05,
        0.2,
        0.6,
        1.2,
        1.8,
        2.0,
        1.8,
        1.2,
        1.3,
        1.7,
        1.8,
        1.6,
        1.3,
        0.9,
        0.7,
        0.9,
        1.1,
        0.8,
        0.5,
    ]
)
_HOURS_WEEKEND = _cum(
    [
        0.5,
        0.3,
        0.1,
        0.02,
        0.02,
        0.02,
        0.05,
        0.1,
        0.3,
        0.7,
        1.2,
        1.4,
        1.3,
        1.0,
        0.8,
        0.8,
        0.9,
        1.0,
        1.1,
        1.2,
        1.4,
        1.5,
        1.2,
        0.8,
    ]
)
# Mon..Sun posting volume: Tuesday is office-hours day, weekends are quiet.
_WEEKDAY_VOLUME = (1.0, 1.35, 1.05, 1.1, 0.85, 0.45, 0.4)
_FAMILY_CASES = {f: list(w) for f, w in WEIGHTS.items()}
_FAMILY_CUM = {f: _cum(list(w.values())) for f, w in WEIGHTS.items()}
_REPLY_CASES = {
    "reply",
    "reply_multi_mention",
    "reply_link",
    "reply_quote",
    "reply_question",
    "reply_photo",
}


def _last_sunday(year: int, month: int) -> date:
    d = date(year, month, 31)
    return d - timedelta(days=(d.weekday() + 1) % 7)


def _utc_offset_hours(d: date) -> int:
    """Lisbon: UTC+1 in summer time (last Sunday of March to last Sunday of October)."""
    return 1 if _last_sunday(d.year, 3) <= d < _last_sunday(d.year, 10) else 0


def span(posts: int, start: date | None, months: int | None) -> tuple[date, int]:
    """The first day and the number of months the archive covers (about 4 posts a day)."""
    if months is None:
        months = max(1, min(MAX_MONTHS, round(posts / (POSTS_PER_DAY * 30.44))))
    if start is None:
        m = LAST_MONTH_END.year * 12 + LAST_MONTH_END.month - 1 - months
        start = date(m // 12, m % 12 + 1, 1)
    return start, months


def _add_months(d: date, months: int) -> date:
    m = d.year * 12 + d.month - 1 + months
    return date(m // 12, m % 12 + 1, 1) if d.day == 1 else date(m // 12, m % 12 + 1, d.day)


def _day_weights(rng: random.Random, days: list[date]) -> list[float]:
    """Posting volume per day: weekday rhythm, noise, slow growth, two breaks a year."""
    off: set[date] = set()
    for year in range(days[0].year, days[-1].year + 1):
        summer = date(year, 7, 20) + timedelta(days=rng.randint(0, 20))
        off.update(summer + timedelta(days=i) for i in range(rng.randint(8, 13)))
        winter = date(year, 12, 23) + timedelta(days=rng.randint(0, 2))
        off.update(winter + timedelta(days=i) for i in range(rng.randint(4, 7)))
    n = len(days)
    return [
        0.0
        if d in off
        else _WEEKDAY_VOLUME[d.weekday()] * rng.lognormvariate(0, 0.45) * (1 + 0.3 * i / n)
        for i, d in enumerate(days)
    ]


def _day_modes(rng: random.Random, n: int) -> list[str]:
    """Per day: `talk` (no links at all), `link` (no conversation) or `normal`.

    Talk-only days grow more common over time, with a few multi-day talk streaks late
    (conference travel: only replies) and one link-only launch week early.
    """
    modes = []
    for i in range(n):
        s = _smooth(i / n)
        modes.append("talk" if rng.random() < 0.01 + 0.2 * s else "normal")
    for _ in range(max(3, n // 180)):
        first = int(n * rng.uniform(0.55, 0.96))
        for i in range(first, min(n, first + rng.randint(4, 8))):
            modes[i] = "talk"
    first = int(n * rng.uniform(0.05, 0.3))
    for i in range(first, min(n, first + rng.randint(5, 7))):
        modes[i] = "link"
    return modes


def _smooth(p: float) -> float:
    return p * p * (3 - 2 * p)


def _pick_case(rng: random.Random, p: float, mode: str, day: date) -> str:
    """Draw a case: link-heavy early, conversation-heavy late, chatty Tuesdays."""
    s = _smooth(p)
    link, conv = 0.74 - 0.44 * s, 0.13 + 0.29 * s
    other = 1 - link - conv
    wd = day.weekday()
    if wd == 1:
        conv *= 1.6
    elif wd >= 5:
        other *= 1.5
    if mode == "talk":
        link, conv, other = 0.0, 0.88, 0.12
    elif mode == "link":
        conv = 0.0
    family = rng.choices(("link", "conversation", "other"), (link, conv, other))[0]
    case = rng.choices(_FAMILY_CASES[family], cum_weights=_FAMILY_CUM[family])[0]
    if case in NEEDS_NOTES and day < NOTES_FROM:
        case = {"long_post": "post", "long_question_past_cut": "question"}.get(case, "link")
    return case


class Planner:
    """Lays out every record's time, id and case, oldest first."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.items: list[Item] = []
        self._people = Content(rng)

    def plan(self, posts: int, start: date, months: int) -> list[Item]:
        """All records, sorted by id (= by time)."""
        rng = self.rng
        days = []
        d, end = start, _add_months(start, months)
        while d < end:
            days.append(d)
            d += timedelta(days=1)
        cum = _cum(_day_weights(rng, days))
        counts = Counter(rng.choices(range(len(days)), cum_weights=cum, k=posts))
        modes = _day_modes(rng, len(days))
        for i in sorted(counts):
            self._day(days[i], i / len(days), modes[i], counts[i])
        self.items.sort(key=lambda it: it.id)
        _ensure_min(rng, self.items)
        return self.items

    def _day(self, day: date, p: float, mode: str, n: int) -> None:
        rng = self.rng
        base = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1000
        base -= _utc_offset_hours(day) * HOUR_MS
        hours = _HOURS_WEEKEND if day.weekday() >= 5 else _HOURS_WEEKDAY
        while n > 0:
            hour = rng.choices(range(24), cum_weights=hours)[0]
            ms = base + hour * HOUR_MS + rng.randrange(HOUR_MS)
            n -= self._event(_pick_case(rng, p, mode, day), ms, day, mode, n)

    def _add(
        self,
        ms: int,
        case: str,
        partner: Person | None = None,
        target: int = 0,
        edit: tuple[list[int], str] | None = None,
    ) -> int:
        sid = snowflake(self.rng, ms)
        self.items.append(Item(sid, case, partner, target, edit))
        return sid

    def _event(self, case: str, ms: int, day: date, mode: str, room: int) -> int:
        """Add one event (a post, a reply session, a thread, an edited post); return its size."""
        rng = self.rng
        if case in _REPLY_CASES:
            return self._replies(case, ms, room)
        if case in {"reply_no_status_id", "mention_dot", "mention_at_not_reply"}:
            self._add(ms, case, self._people.person())
            return 1
        if case in EDITABLE and day >= EDITS_FROM and room >= 2 and rng.random() < 0.03:
            return self._edited(ms, mode, room)
        parent = self._add(ms, case)
        if case not in THREAD_HEADS or room < 2 or rng.random() > 0.1:
            return 1
        size = min(room - 1, rng.choice((1, 1, 2, 2, 3, 4)))
        for _ in range(size):
            ms += rng.randint(20_000, 240_000)
            roll = rng.random()
            kind = (
                "thread_link"
                if roll < 0.12 and mode != "talk"
                else "thread_question"
                if roll > 0.92 and mode != "link"
                else "thread"
            )
            parent = self._add(ms, kind, target=parent)
        return size + 1

    def _replies(self, case: str, ms: int, room: int) -> int:
        """A reply session: 1-3 replies to one person, each answering their latest post."""
        rng = self.rng
        partner = self._people.person()
        theirs = snowflake(rng, ms - rng.randint(60_000, 8 * HOUR_MS))
        size = min(room, 1 if rng.random() < 0.7 else rng.randint(2, 3))
        for i in range(size):
            self._add(
                ms,
                case if i == 0 else rng.choice(("reply", "reply", "reply_question")),
                partner,
                theirs,
            )
            theirs = snowflake(rng, ms + rng.randint(60_000, 900_000))
            ms = snowflake_ms(theirs) + rng.randint(30_000, 600_000)
        return size

    def _edited(self, ms: int, mode: str, room: int) -> int:
        """An edited post: every version is its own record, as in the archive."""
        rng = self.rng
        count = min(room, 3 if rng.random() < 0.25 else 2)
        kind = "add_link" if mode != "talk" and rng.random() < 0.4 else "typo"
        times = [ms]
        for _ in range(count - 1):
            times.append(times[-1] + rng.randint(20_000, 1_100_000))
        ids = [snowflake(rng, t) for t in times]
        latest = "edited_latest_link" if kind == "add_link" else "edited_latest_post"
        for i, sid in enumerate(ids):
            case = latest if i == count - 1 else "edit_superseded"
            self.items.append(Item(sid, case, edit=(ids, kind)))
        return count


def _ensure_min(rng: random.Random, items: list[Item]) -> None:
    """Swap rare cases in for common ones of the same category until each shows up."""
    have = Counter(it.case for it in items)
    people = Content(rng)
    for case, (cat, _) in CASES.items():
        if case.startswith(("thread", "edit")) or have[case] >= MIN_COUNT:
            continue
        base = {"retweet": "retweet", "link": "link", "conversation": "question"}.get(cat, "post")
        pool = [
            it
            for it in items
            if it.case == base
            and (case not in NEEDS_NOTES or snowflake_ms(it.id) >= _ms(NOTES_FROM))
        ]
        for it in rng.sample(pool, min(len(pool), MIN_COUNT - have[case])):
            it.case = case
            if case.startswith(("reply", "mention")):
                it.partner = people.person()
            if case in _REPLY_CASES:
                it.target = snowflake(rng, snowflake_ms(it.id) - rng.randint(60_000, HOUR_MS))
            have[case] += 1
            have[base] -= 1


def _ms(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) * 1000


# --------------------------------------------------------------------------- records

_LIFECYCLE = {"value": "1", "name": "Active", "originalName": "Active", "annotations": {}}
_LONG_PLAIN = tuple(s for s in LONG_SENTENCES if "{m}" not in s)
_LANGS = {"¿": "es", "Alguém": "pt", "Bom dia": "pt", "参加": "ja", "勉強会": "ja"}
# case -> (template bank, attachment kind) for posts written straight from one bank
_BANKS: dict[str, tuple[Tpl, str]] = {
    "post": (POSTS, ""),
    "post_html_entities": (POSTS_HTML, ""),
    "link": (LINKS, ""),
    "link_thoughts_question": (LINK_THOUGHTS, ""),
    "question": (QUESTIONS, ""),
    "question_fullwidth": (QUESTIONS_FULLWIDTH, ""),
    "question_inverted": (QUESTIONS_INVERTED, ""),
    "question_emoji": (QUESTIONS_EMOJI, ""),
    "question_interrobang": (QUESTIONS_INTERROBANG, ""),
    "photo": (PHOTOS, "photo"),
    "video": (VIDEOS, "video"),
    "gif": (GIFS, "animated_gif"),
    "media_only": (("",), "photo"),
    "link_photo": (LINKS, "photo"),
}
_REPLY_BANKS: dict[str, Tpl] = {
    "reply": REPLIES,
    "reply_multi_mention": REPLIES,
    "reply_link": REPLY_LINKS,
    "reply_quote": REPLY_QUOTES,
    "reply_question": REPLY_QUESTIONS,
    "reply_photo": REPLIES,
    "reply_no_status_id": OLD_REPLIES,
}


class Report:
    """What a generation produced, by construction: cases, features, expected categories."""

    def __init__(self) -> None:
        self.cases: Counter[str] = Counter()
        self.features: Counter[str] = Counter()
        self.expected: dict[str, str] = {}
        self.records = 0
        self.notes = 0


class Renderer:
    """Turns planned items into archive records: a tweet, plus a note for long posts."""

    def __init__(self, rng: random.Random, items: list[Item], report: Report) -> None:
        self.rng = rng
        self.c = Content(rng)
        self.report = report
        self.own = [it.id for it in items if it.case in THREAD_HEADS]
        self.note: dict[str, object] | None = None
        self._langs: dict[str, str] = {}
        self.handlers = self._handlers()

    def _handlers(self) -> dict[str, Callable[[Item], dict[str, object]]]:
        h: dict[str, Callable[[Item], dict[str, object]]] = {}
        for case, (bank, media) in _BANKS.items():
            h[case] = lambda it, b=bank, m=media: self.original(it, b, media=m)
        for case, bank in _REPLY_BANKS.items():
            h[case] = lambda it, b=bank: self.reply(it, b)
        for case, bank in (
            ("thread", THREADS),
            ("thread_link", THREAD_LINKS),
            ("thread_question", THREAD_QUESTIONS),
        ):
            h[case] = lambda it, b=bank: self.thread(it, b)
        for case in NEEDS_NOTES:
            h[case] = self.long
        for case in ("edit_superseded", "edited_latest_post", "edited_latest_link"):
            h[case] = self.edited
        h.update(
            {
                "quote": lambda it: self.quote(it, QUOTES),
                "quote_question": lambda it: self.quote(it, QUOTE_QUESTIONS),
                "self_quote": lambda it: self.quote(it, SELF_QUOTES, own=True),
                "iweb_self_link": self.iweb,
                "retweet": self.retweet,
                "retweet_media": lambda it: self.retweet(it, media=True),
                "manual_mt": lambda it: self.manual_rt(it, "MT "),
                "manual_rt_lowercase": lambda it: self.manual_rt(it, "rt "),
                "mention_dot": lambda it: self.mention(it, "."),
                "mention_at_not_reply": lambda it: self.mention(it, ""),
            }
        )
        return h

    def render(self, it: Item) -> tuple[dict[str, object], dict[str, object] | None]:
        """The tweet (and note, for long posts) for one planned item."""
        self.c.link = self.c.qurl = None
        self.note = None
        tweet = self.handlers[it.case](it)
        text: str = tweet["full_text"]  # type: ignore[assignment]
        feats = self.report.features
        if "&amp;" in text or "&lt;" in text or "&gt;" in text:
            feats["HTML entities in full_text"] += 1
        ents: dict[str, list[object]] = tweet["entities"]  # type: ignore[assignment]
        if ents["hashtags"]:
            feats["posts with hashtags"] += 1
        if ents["symbols"]:
            feats["posts with cashtags"] += 1
        if self.c.link is not None:
            feats.update(self.c.link.features)
        return tweet, self.note

    # -- building blocks

    def _lang(self, tpl: str) -> str:
        lang = self._langs.get(tpl)
        if lang is None:
            lang = next((v for k, v in _LANGS.items() if k in tpl), "en")
            lang = self._langs[tpl] = "zxx" if not tpl else "und" if tpl == "🙏" else lang
        return lang

    def _counts(self, kind: str) -> tuple[str, str]:
        if kind == "rt":
            return "0", "0"
        fav = min(3000, int(self.rng.paretovariate(1.4 if kind == "own" else 2.2)) - 1)
        return str(fav), str(fav // self.rng.randint(3, 12))

    def _media(
        self, r: Rendered, kind: str, sid: str, ms: int, source: tuple[str, str, str] | None
    ) -> tuple[str, dict[str, object], list]:
        """Append the attachment's t.co to the text; return text, entities, extended media."""
        rng, text = self.rng, r.text
        tco = _tco(rng)
        a = len(text) + 1 if text else 0
        text = f"{text} {tco}" if text else tco
        who, status = (source[0], source[1]) if source else (OWNER[1], sid)
        count = rng.choices((1, 2, 3, 4), (70, 15, 8, 7))[0] if kind == "photo" else 1
        first, ext = media_entities(
            rng,
            kind,
            count,
            tco,
            [str(a), str(a + len(tco))],
            f"https://twitter.com/{who}/status/{status}",
            ms,
            source[1:] if source else None,
        )
        entities = {
            "user_mentions": r.mentions,
            "urls": r.urls,
            "symbols": r.symbols,
            "media": [first],
            "hashtags": r.hashtags,
        }
        return text, entities, ext

    def tweet(
        self,
        it: Item,
        r: Rendered,
        *,
        lang: str = "en",
        source: str = SRC_WEB,
        reply: tuple[str, str, str] | None = None,
        media: str = "",
        media_source: tuple[str, str, str] | None = None,
        edit_info: dict[str, object] | None = None,
    ) -> dict[str, object]:
        """Assemble one tweet record in the archive's key order.

        `reply` is (status id or "", user id, screen name or ""); `media_source` is
        (screen name, status id, user id) of the post a retweeted attachment came from.
        """
        sid, ms = str(it.id), snowflake_ms(it.id)
        if media:
            text, entities, ext = self._media(r, media, sid, ms, media_source)
        else:
            text, ext = r.text, []
            entities = {
                "hashtags": r.hashtags,
                "symbols": r.symbols,
                "user_mentions": r.mentions,
                "urls": r.urls,
            }
        is_rt = text.startswith("RT @")
        if edit_info is None:
            eligible = not reply and not is_rt and self.rng.random() < 0.8
            edit_info = {
                "initial": {
                    "editTweetIds": [sid],
                    "editableUntil": iso_ms(ms + HOUR_MS),
                    "editsRemaining": "5",
                    "isEditEligible": eligible,
                }
            }
        fav, rts = self._counts("rt" if is_rt else "reply" if reply else "own")
        t: dict[str, object] = {
            "edit_info": edit_info,
            "retweeted": False,
            "source": source,
            "entities": entities,
            "display_text_range": ["0", str(len(text))],
            "favorite_count": fav,
        }
        status = reply[0] if reply else ""
        if status:
            t["in_reply_to_status_id_str"] = status
        t["id_str"] = sid
        if reply:
            t["in_reply_to_user_id"] = reply[1]
        t.update({"truncated": False, "retweet_count": rts, "id": sid})
        if status:
            t["in_reply_to_status_id"] = status
        if r.urls or media:
            t["possibly_sensitive"] = False
        t.update(
            {"created_at": created_at(ms), "favorited": False, "full_text": text, "lang": lang}
        )
        if reply:
            if reply[2]:
                t["in_reply_to_screen_name"] = reply[2]
            t["in_reply_to_user_id_str"] = reply[1]
        if ext:
            t["extended_entities"] = {"media": ext}
        return t

    # -- cases

    def original(
        self,
        it: Item,
        bank: Tpl,
        *,
        media: str = "",
        prefix: list[Segment] | None = None,
        reply: tuple[str, str, str] | None = None,
        source: str = "",
    ) -> dict[str, object]:
        """A post written by the owner from a template bank (also replies and mentions)."""
        rng = self.rng
        tpl = rng.choice(bank)
        segs = _merge((prefix or []) + self.c.fill(tpl))
        if not source:
            source = (
                SRC_IPHONE
                if media or rng.random() < 0.25
                else SRC_BUFFER
                if bank is LINKS and rng.random() < 0.3
                else SRC_DECK
                if rng.random() < 0.05
                else SRC_WEB
            )
        return self.tweet(
            it, render(rng, segs), lang=self._lang(tpl), source=source, reply=reply, media=media
        )

    def reply(self, it: Item, bank: Tpl) -> dict[str, object]:
        """A reply to someone else: `@name ` prefix inside the display range, reply fields."""
        p = it.partner or self.c.person()
        prefix: list[Segment] = [("m", p), " "]
        if it.case == "reply_multi_mention":
            other = self.c.person()
            prefix += [("m", other if other != p else PEOPLE[-1]), " "]
        if it.case == "reply_quote":
            self.c.qurl = self.c.quote_link(self.c.person(), snowflake_ms(it.id))
        if it.case == "reply_no_status_id":
            reply = ("", p[2], p[1] if self.rng.random() < 0.9 else "")
        else:
            reply = (str(it.target), p[2], p[1])
        media = "photo" if it.case == "reply_photo" else ""
        return self.original(it, bank, prefix=prefix, reply=reply, media=media)

    def mention(self, it: Item, lead: str) -> dict[str, object]:
        """A post that opens by addressing someone, without any reply field."""
        p = it.partner or self.c.person()
        prefix: list[Segment] = [lead, ("m", p), " "] if lead else [("m", p), " "]
        return self.original(it, MENTIONS_DOT if lead else MENTIONS_AT, prefix=prefix)

    def thread(self, it: Item, bank: Tpl) -> dict[str, object]:
        """A reply to the owner's own previous post (no `@` prefix, as in real archives)."""
        rng = self.rng
        prefix: list[Segment] = [f"{rng.randint(2, 5)}/ "] if rng.random() < 0.4 else []
        source = SRC_HYPEFURY if rng.random() < 0.3 else SRC_WEB
        return self.original(
            it, bank, prefix=prefix, source=source, reply=(str(it.target), OWNER[2], OWNER[1])
        )

    def quote(self, it: Item, bank: Tpl, own: bool = False) -> dict[str, object]:
        """A quote: the quoted post's URL is the last entity of the text."""
        rng, ms = self.rng, snowflake_ms(it.id)
        if own:
            older = self.own[max(0, bisect.bisect_left(self.own, it.id) - rng.randint(1, 200))]
            url = f"https://twitter.com/{OWNER[1]}/status/{min(older, it.id - 1)}"
            link = Link(url, display_url(url))
        else:
            use_x = ms >= _ms(X_COM_FROM) and rng.random() < 0.35
            link = self.c.quote_link(self.c.person(), ms, use_x)
            if use_x:
                self.report.features["quote via x.com URL"] += 1
        tpl = rng.choice(bank)
        segs = _merge([*self.c.fill(tpl), " ", ("u", link)])
        return self.tweet(it, render(rng, segs), lang=self._lang(tpl))

    def iweb(self, it: Item) -> dict[str, object]:
        """Text cut by an old client, ending with a link to the post itself."""
        rng = self.rng
        words = " ".join(
            "".join(s for s in self.c.fill(rng.choice(_LONG_PLAIN)) if type(s) is str)
            for _ in range(3)
        )
        cut = words[: rng.randint(100, 116)]
        cut = cut[: cut.rfind(" ")].rstrip(" ,.") + "…"
        url = f"https://twitter.com/i/web/status/{it.id}"
        segs: list[Segment] = [cut + " ", ("u", Link(url, display_url(url)))]
        return self.tweet(it, render(rng, segs), source=SRC_DECK)

    def retweet(self, it: Item, media: bool = False) -> dict[str, object]:
        """A native retweet as the archive keeps it: `RT @name: ` + text cut at 140 with `…`."""
        rng, who = self.rng, self.c.person()
        body = self.c.fill(rng.choice(PHOTOS if media else OTHERS))
        r = render(rng, _merge(["RT ", ("m", who), ": ", *body]), limit=140, words=False)
        src = (
            (
                who[1],
                str(snowflake(rng, snowflake_ms(it.id) - rng.randint(60_000, 9 * HOUR_MS))),
                who[2],
            )
            if media
            else None
        )
        return self.tweet(
            it,
            r,
            media="photo" if media else "",
            media_source=src,
            source=rng.choice((SRC_WEB, SRC_IPHONE)),
        )

    def manual_rt(self, it: Item, lead: str) -> dict[str, object]:
        """An old-style copy: `MT @name: …` or lowercase `rt @name …`."""
        rng, who = self.rng, self.c.person()
        sep = ": " if lead == "MT " else " "
        body = self.c.fill(rng.choice(OTHERS))
        tail = [" ← worth a read"] if rng.random() < 0.5 else []
        r = render(rng, _merge([lead, ("m", who), sep, *body, *tail]), limit=280)
        return self.tweet(it, r, source=SRC_DECK)

    def long(self, it: Item) -> dict[str, object]:
        """A long post: full body in note-tweet.js, `full_text` cut near 275 with `…`."""
        rng, c, case = self.rng, self.c, it.case
        segs: list[Segment] = []
        if case == "long_link_visible":
            segs += [*c.fill("New guide on {topic} is up {url}"), "\n\n"]
        for sentence in rng.sample(LONG_SENTENCES, len(LONG_SENTENCES)):
            if sum(_seg_len(s) for s in segs) >= 300:
                break
            segs += [*c.fill(sentence), rng.choice(("\n\n", " ", " "))]
        if case == "long_link_in_note_only":
            segs += c.fill(rng.choice(LONG_LINK_ENDINGS))
        elif case == "long_question_past_cut":
            segs.append(rng.choice(LONG_QUESTION_ENDINGS))
        else:
            segs[-1] = segs[-1].rstrip()  # type: ignore[union-attr]
        segs = _merge(segs)
        note = render(rng, segs, note=True)
        tweet = self.tweet(it, render(rng, segs, limit=rng.randint(276, 286)))
        ms = snowflake_ms(it.id)
        when = iso_ms(ms, keep_ms=False)
        nid = snowflake(rng, ms - rng.randint(0, ms % 1000))
        core = {
            "styletags": [],
            "urls": note.urls,
            "text": note.text,
            "mentions": note.mentions,
            "cashtags": note.symbols,
            "hashtags": note.hashtags,
        }
        self.note = {
            "noteTweetId": str(nid),
            "updatedAt": when,
            "lifecycle": _LIFECYCLE,
            "createdAt": when,
            "core": core,
        }
        return tweet

    def edited(self, it: Item) -> dict[str, object]:
        """One version of an edited post; the first holds `initial`, later ones `edit`."""
        ids, kind = it.edit  # type: ignore[misc]
        idx, last = ids.index(it.id), len(ids) - 1
        local = Content(random.Random(ids[0]))
        tpl, wrong, right = local.rng.choice(EDITS)
        segs = local.fill(tpl)
        link = local.new_link()
        if idx >= 1:
            segs = [s.replace(wrong, right) if type(s) is str else s for s in segs]
        if kind == "add_link" and idx == last:
            segs += [" ", ("u", link)]
            self.c.link = link
        elif idx == 2:
            segs += [" ", ("h", "DevRel")]
        if idx == last:
            self.report.features[f"edited post with {len(ids)} versions"] += 1
        control = {
            "editTweetIds": [str(i) for i in ids],
            "editableUntil": iso_ms(snowflake_ms(ids[0]) + HOUR_MS, keep_ms=False),
            "editsRemaining": str(5 - last),
            "isEditEligible": True,
        }
        info: dict[str, object] = (
            {"initial": control}
            if idx == 0
            else {"edit": {"initialTweetId": str(ids[0]), "editControlInitial": control}}
        )
        return self.tweet(it, render(self.rng, _merge(segs)), edit_info=info)


def _seg_len(seg: Segment) -> int:
    if type(seg) is str:
        return len(seg)
    kind, val = seg  # type: ignore[misc]
    return 23 if kind == "u" else len(val[1]) + 1 if kind == "m" else len(str(val)) + 1


# --------------------------------------------------------------------------- generate


def generate(
    out_dir: Path,
    posts: int = DEFAULT_POSTS,
    seed: int = DEFAULT_SEED,
    start: date | None = None,
    months: int | None = None,
    report: Report | None = None,
) -> Path:
    """Write a fictional archive (`data/account.js`, `tweets.js`, `note-tweet.js`) to `out_dir`.

    `posts` counts records in tweets.js (older versions of edited posts included). Without
    `months` the span follows the post count at about 4 posts a day (at most 14 years);
    without `start` it ends on 2024-12-31. Returns `out_dir`.
    """
    start, months = span(posts, start, months)
    rng = random.Random(seed)
    items = Planner(rng).plan(posts, start, months)
    report = report if report is not None else Report()
    data = Path(out_dir) / "data"
    data.mkdir(parents=True, exist_ok=True)
    account = ArchiveWriter(data / "account.js", "account")
    account.add({"account": ACCOUNT})
    account.close()
    tweets = ArchiveWriter(data / "tweets.js", "tweets")
    notes = ArchiveWriter(data / "note-tweet.js", "note_tweet")
    renderer = Renderer(rng, items, report)
    for it in reversed(items):  # newest first, like X
        tweet, note = renderer.render(it)
        tweets.add({"tweet": tweet})
        if note is not None:
            notes.add({"noteTweet": note})
        report.cases[it.case] += 1
        report.expected[str(it.id)] = FAMILY[it.case]
    tweets.close()
    notes.close()
    report.records, report.notes = tweets.count, notes.count
    return Path(out_dir)


# --------------------------------------------------------------------------- verification

_QMARKS = ("?", "？", "¿", "؟", "‽", "⁇", "⁈", "⁉", "❓", "❔")
_STATUS = re.compile(r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(\w+)/status/(\d+)/?$")
_RT = re.compile(r"(?i)(?:RT|MT) @\w")
_URL = re.compile(r"https?://\S+")


def load_js(path: Path) -> list[dict[str, object]]:
    """Parse an archive `.js` file with plain json (drop the `window.YTD… = ` prefix)."""
    text = path.read_text(encoding="utf-8")
    return json.loads(text[text.index("=") + 1 :])


def _note_key(t: dict[str, object]) -> str:
    d = datetime.strptime(str(t["created_at"]), "%a %b %d %H:%M:%S %z %Y")
    return f"{d:%Y-%m-%dT%H:%M:%S}.000Z"


def rough_category(t: dict, note: dict | None) -> str:
    """An independent, simplified reading of TAXONOMY.md, to cross-check the generator."""
    text = html.unescape(t["full_text"])
    urls = [u["expanded_url"] for u in t["entities"]["urls"]]
    if note is not None:
        text = note["core"]["text"]
        urls += [u["expandedUrl"] for u in note["core"]["urls"]]
    if _RT.match(text.lstrip()):
        return "retweet"
    reply_to = t.get("in_reply_to_user_id")
    if reply_to and reply_to != OWNER[2]:
        return "conversation"
    if not reply_to and text.lstrip().startswith(("@", ".@")):
        return "conversation"
    external = False
    for url in urls:
        m = _STATUS.match(url)
        if m and m.group(1) != OWNER[1]:
            return "link"
        if not m and f"/i/web/status/{t['id']}" not in url:
            external = True
    if external:
        return "link"
    own = _URL.sub("", text)
    return "conversation" if any(q in own for q in _QMARKS) else "other"


def _superseded(tweets: list[dict]) -> set[str]:
    present = {t["id"] for t in tweets}
    out: set[str] = set()
    for t in tweets:
        info = t["edit_info"]
        ids = (info["initial"] if "initial" in info else info["edit"]["editControlInitial"])[
            "editTweetIds"
        ]
        if len(ids) > 1:
            newest = max((i for i in ids if i in present), key=int)
            out.update(i for i in ids if i != newest and i in present)
    return out


def verify(out_dir: Path, report: Report) -> list[str]:
    """Re-read the written files with plain json and compare against the report."""
    data = Path(out_dir) / "data"
    tweets = [r["tweet"] for r in load_js(data / "tweets.js")]
    notes = {n["noteTweet"]["createdAt"]: n["noteTweet"] for n in load_js(data / "note-tweet.js")}
    account = load_js(data / "account.js")[0]["account"]
    old = _superseded(tweets)
    days: dict[date, Counter[str]] = {}
    wrong: list[str] = []
    for t in tweets:
        cat = "(dropped)" if t["id"] in old else rough_category(t, notes.get(_note_key(t)))
        if cat != report.expected.get(t["id"]):
            wrong.append(f"  {t['id']}: expected {report.expected.get(t['id'])}, read {cat}")
        if cat != "(dropped)":
            d = datetime.strptime(t["created_at"], "%a %b %d %H:%M:%S %z %Y")
            days.setdefault(d.date(), Counter())[cat] += 1
    return [
        f"parsed back: {len(tweets)} tweets, {len(notes)} notes, "
        f"account @{account['username']}, {len(old)} superseded edit versions",
        f"rough taxonomy re-read disagrees with construction on {len(wrong)} posts",
        *wrong[:10],
        *_tables(days),
    ]


def _talk_only(c: Counter[str]) -> bool:
    return bool(c["conversation"]) and not c["link"] and not c["retweet"]


def _tables(days: dict[date, Counter[str]]) -> list[str]:
    """Mix by month and by weekday, and talk-only streaks (days in UTC)."""
    lines = ["", "month    posts  linking  talking  talk-only days"]
    groups: dict[str, list[Counter[str]]] = {}
    for d in sorted(days):
        groups.setdefault(f"{d:%Y-%m}", []).append(days[d])
    by_day: dict[int, Counter[str]] = {}
    for d, c in days.items():
        by_day.setdefault(d.weekday(), Counter()).update(c)
    for key, cs in groups.items():
        c = sum(cs, Counter())
        n = sum(c.values())
        lines.append(
            f"{key}  {n:6}  {(c['link'] + c['retweet']) / n:6.0%}  "
            f"{c['conversation'] / n:6.0%}  {sum(map(_talk_only, cs)):5}"
        )
    lines += ["", "weekday  posts  talking"]
    for wd in sorted(by_day):
        c = by_day[wd]
        n = sum(c.values())
        lines.append(f"{_DAYS[wd]}      {n:6}  {c['conversation'] / n:6.0%}")
    runs, run, prev = [], 0, None
    for d in sorted(days):
        talk = _talk_only(days[d])
        run = (
            (run + 1 if prev is not None and d - prev == timedelta(days=1) and run else 1)
            if talk
            else 0
        )
        prev = d
        runs.append(run)
    ends = sum(1 for a, b in zip(runs, [*runs[1:], 0], strict=True) if a >= 3 and b != a + 1)
    lines += [
        "",
        f"talk-only days: {sum(map(_talk_only, days.values()))}; longest streak "
        f"{max(runs, default=0)} days; streaks of 3+ days: {ends}",
    ]
    return lines


def print_stats(out_dir: Path, report: Report, seconds: float) -> None:
    """Print counts of every generated case and feature, then the parsed-back check."""
    tweets_js = Path(out_dir) / "data" / "tweets.js"
    size = tweets_js.stat().st_size
    print(
        f"{report.records} records ({report.notes} notes) in {seconds:.1f}s; tweets.js "
        f"{size:,} bytes, {size / max(1, report.records):,.0f} bytes a record"
    )
    print("\ncase                         count  expected category/kind")
    for case, (cat, kind) in CASES.items():
        print(f"{case:28} {report.cases[case]:6}  {cat}/{kind}")
    print("\nfeature                                  count")
    for feat, n in sorted(report.features.items()):
        print(f"{feat:40} {n:6}")
    cats = Counter(FAMILY[c] for c in report.cases.elements())
    print("\nexpected totals: " + ", ".join(f"{k} {v}" for k, v in sorted(cats.items())))
    print()
    for line in verify(out_dir, report):
        print(line)


def main(argv: list[str] | None = None) -> int:
    """Command line: `python data/make_sample.py OUT_DIR [--posts N] ...`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "out_dir",
        type=Path,
        metavar="OUT_DIR",
        help="archive folder to write (gets a data/ subfolder)",
    )
    parser.add_argument(
        "--posts",
        type=int,
        default=DEFAULT_POSTS,
        help=f"records in tweets.js (default: {DEFAULT_POSTS})",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=None,
        help="first day, YYYY-MM-DD (default: so that the span ends 2024-12-31)",
    )
    parser.add_argument(
        "--months",
        type=int,
        default=None,
        help="months covered (default: about 4 posts a day, at most 168)",
    )
    parser.add_argument(
        "--stats",
        action="store_true",
        help="print the count of each generated case and re-check the files",
    )
    args = parser.parse_args(argv)
    if args.posts < 1:
        parser.error("--posts must be at least 1")
    report = Report()
    began = time.perf_counter()
    start, months = span(args.posts, args.start, args.months)
    generate(args.out_dir, args.posts, args.seed, start, months, report)
    seconds = time.perf_counter() - began
    end = _add_months(start, months) - timedelta(days=1)
    print(
        f"wrote {report.records} posts, {start} .. {end}, to {args.out_dir} in {seconds:.1f}s",
        file=sys.stderr,
    )
    if args.stats:
        print_stats(args.out_dir, report, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
