"""Scrapy settings for ministry-feeds.

Every setting of our own starts with ``MF_``; everything else is Scrapy's. Defaults are polite:
robots.txt obeyed, one request at a time per site, AutoThrottle on, a User-Agent that names the
project and a contact URL.
"""

from crawler.deployment import from_environment, user_agent

BOT_NAME = "ministry-feeds"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- our settings -------------------------------------------------------------------------------
#: Where people can learn about the crawler and reach its operator (goes into the User-Agent).
MF_CONTACT_URL = "https://github.com/ministry-feeds/ministry-feeds"
#: The archive: an SQLite file, ``sqlite:///PATH`` (relative to the working folder; created with
#: its folder when missing), or a PostgreSQL database, ``postgresql://USER@HOST:PORT/DATABASE``
#: (the password from the URL, PGPASSWORD or ~/.pgpass). See the README, "Scaling out".
MF_ARCHIVE_URL = "sqlite:///data/archive.sqlite3"
#: The archive as an SQLite file path (the older setting; when given, it wins over the default URL).
MF_ARCHIVE_PATH = None
#: `scrapy update` holds this lock while it runs (a second run exits at once, code 75). With a
#: PostgreSQL archive, advisory locks per crawl target in the archive take its place.
MF_LOCK_PATH = "data/update.lock"
#: Seconds a publication waits for another one of the same public folder to end (then exit 75).
MF_PUBLISH_LOCK_TIMEOUT = 600
#: Run reports of `scrapy update`: last-run.json and runs/<time>.json.
MF_REPORT_DIR = "data/reports"
#: The public folder `scrapy publish` (and `scrapy update`) writes: feeds, OPML, index page, data.
MF_PUBLIC_DIR = "public"
#: The absolute URL the public folder is served at (for feeds' self links and ids of pages).
MF_PUBLIC_BASE_URL = "http://localhost:8000/"
#: Entries in a subscription feed; entries in one archive document (a month, or a part of one).
MF_FEED_ENTRIES = 50
MF_FEED_ARCHIVE_PAGE = 100
#: Largest feed document, and largest entry content (longer bodies are cut, with a link to the page).
MF_FEED_MAX_BYTES = 5 * 1024 * 1024
MF_FEED_MAX_CONTENT_CHARS = 200_000
#: Bytes of built entries a publication holds in memory while their archive pages fill (beyond
#: them, a temporary file): with the archive's read buffer, what bounds its memory, whatever the
#: size of the largest month.
MF_PUBLISH_BUFFER_BYTES = 8 * 1024 * 1024
#: An archive transaction is written when its batch holds this many items and events, or this
#: many bytes of raw pages and statement text, whichever comes first (bounds the memory it holds).
MF_ARCHIVE_BATCH_SIZE = 50
MF_ARCHIVE_BATCH_BYTES = 4 * 1024 * 1024
#: Answer every request from this offline mirror (a folder with manifest.json) instead of the
#: network. Set by ``-a replay=DIR`` on the spiders.
MF_REPLAY_DIR = None
#: Back-off before a retry: base * 2 ** (retry number - 1) seconds, capped at MF_RETRY_BACKOFF_MAX.
MF_RETRY_BACKOFF_BASE = 5.0
MF_RETRY_BACKOFF_MAX = 120.0
#: Base URLs per site; tests point them at a loopback server.
MF_MID_BASE_URL = "https://mid.ru"
MF_MID_ARCHIVE_BASE_URL = "https://archive.mid.ru"
#: Items per listing page on the old Liferay site (its ``delta``: 10, 20 or 30).
MF_MID_ARCHIVE_PAGE_SIZE = 20
#: At most this many listing pages per section when neither pages= nor backfill= is given (a
#: listing is read only until a page lists nothing new).
MF_DEFAULT_LISTING_PAGES = 3
MF_GOVUK_BASE_URL = "https://www.gov.uk"
MF_STATE_DEPT_BASE_URL = "https://www.state.gov"
MF_FMPRC_EN_BASE_URL = "https://www.fmprc.gov.cn"
MF_FMPRC_ZH_BASE_URL = "https://www.mfa.gov.cn"
MF_AA_BASE_URL = "https://www.auswaertiges-amt.de"
MF_MOFA_JP_BASE_URL = "https://www.mofa.go.jp"
MF_MEA_IN_BASE_URL = "https://www.mea.gov.in"
#: Cards per page of mea.gov.in's listing endpoint (its own pages ask for 10 to 50).
MF_MEA_IN_PAGE_SIZE = 10
MF_GAC_CA_BASE_URL = "https://www.canada.ca"
#: The Government of Canada news API (its links are relative to MF_GAC_CA_BASE_URL).
MF_GAC_CA_API_BASE_URL = "https://api.io.canada.ca"
#: Items per answer of the news API (its ``pick``).
MF_GAC_CA_PAGE_SIZE = 50
MF_MAE_FR_BASE_URL = "https://www.diplomatie.gouv.fr"
#: Items per page of GOV.UK's search API (it allows up to 1500).
MF_GOVUK_PAGE_SIZE = 50
#: When a known article is fetched again for edits and removals: (max age in days, every N hours).
MF_RECHECK_SCHEDULE = [(2, 6), (14, 48), (90, 24 * 14), (36500, 24 * 180)]
#: Re-checks of archived articles scheduled per spider and run, beside those found on listings.
MF_RECHECK_MAX_PER_RUN = 20
#: An article that failed is tried again by the next runs, this many times in all.
MF_PENDING_MAX_ATTEMPTS = 5
#: Wait at least the Crawl-delay a site's robots.txt asks for between its requests
#: (crawler.middlewares.robots); Scrapy alone obeys only its Allow and Disallow lines.
MF_OBEY_CRAWL_DELAY = True

# --- per deployment (README, "Scaling out") ---------------------------------------------------------
#: The crawl run (of `scrapy update --scrapyd`) a crawl belongs to: set, the crawl records its run
#: and its target's health in the archive when it closes, and holds its target's crawl lock
#: meanwhile (crawler.runs). `scrapy update --scrapyd` gives it to every job it schedules.
MF_RUN_ID = None
#: The project name the crawler is deployed under on the Scrapyd nodes (scrapy.cfg, [deploy]).
MF_SCRAPYD_PROJECT = "ministry-feeds"
#: Jobs of one run a node is given at once: set it to the nodes' Scrapyd max_proc, so that every
#: job given starts at once and none waits in a node's queue while another node is idle.
MF_SCRAPYD_JOBS_PER_NODE = 4
#: Seconds between two looks at the nodes' jobs (listjobs.json) and the archive's run records.
MF_SCRAPYD_POLL_INTERVAL = 2.0
#: Seconds a node has to answer one call of its JSON API.
MF_SCRAPYD_TIMEOUT = 10.0
#: Calls in a row a node may fail before it is given up for the rest of the run (its targets go
#: to the other nodes).
MF_SCRAPYD_NODE_FAILURES = 3
#: Times a target may be scheduled in one run (a job lost with its node is given to another).
MF_SCRAPYD_ATTEMPTS = 2
#: Seconds an interrupted run waits for the jobs it cancelled to record their end.
MF_SCRAPYD_CANCEL_WAIT = 30.0
#: The archive URL the jobs are given, when the nodes reach the archive at another address than
#: this machine does (default: MF_ARCHIVE_URL). Never with a password: nodes read theirs from
#: PGPASSWORD or ~/.pgpass.
MF_SCRAPYD_ARCHIVE_URL = None
#: Run records (one per crawl of a target) are kept this many days.
MF_RUN_RECORDS_DAYS = 30

# Every MF_ setting above may come from the environment under its own name (crawler.deployment).
globals().update(from_environment(globals()))

# --- politeness -----------------------------------------------------------------------------------
#: (It follows MF_CONTACT_URL given with -s too: crawler.deployment.ContactInUserAgent.)
USER_AGENT = user_agent(MF_CONTACT_URL)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 10.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 10.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# Plain, minimal headers: the bot wall of mid.ru lets them through more often.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en,ru;q=0.8",
}
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# --- crawl speed (issue 17; figures: bench/crawl.py) ------------------------------------------------
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for every response, however few items it gives;
# our pipelines are synchronous, so more than one item at a time gains nothing (measured: README).
CONCURRENT_ITEMS = 1
# Scrapy re-reads and parses the source of a generator callback for every response to warn about
# `return value` in it (its cache is keyed by the short-lived bound method): about 3% of a crawl's
# CPU. tests/test_crawl_settings.py makes the same check of every spider's callbacks once, in CI.
WARN_ON_GENERATOR_RETURN_VALUE = False

# --- components -----------------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.accounting.RequestAccountingMiddleware": 50,
    # After RobotsTxtMiddleware (100), which parses robots.txt: its rules checked for every request
    # (Scrapy lets the first ones through unchecked), its Crawl-delay obeyed.
    "crawler.middlewares.robots.RobotsRulesMiddleware": 110,
    # Our retry replaces Scrapy's: the same codes and exceptions, plus bot-wall pages, with back-off.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    # Charsets decided by evidence (header, meta, bytes) before retry or a spider reads the text;
    # after decompression (590).
    "crawler.middlewares.charset.CharsetMiddleware": 570,
    # Before RedirectMiddleware (600) sees a redirect: articles redirected to one URL are each handled.
    "crawler.middlewares.redirects.ArticleRedirectMiddleware": 650,
}
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.parse_errors.ParseErrorMiddleware": 100,
}
EXTENSIONS = {
    # Reads the archive URL first, so that its password is hidden from every log line after.
    "crawler.redact.HideArchivePassword": 0,
    # A crawl of a `scrapy update --scrapyd` run (MF_RUN_ID) records its run in the archive.
    "crawler.runs.RunRecorder": 100,
    # A crawl with JOBDIR marks it while it runs: a folder a killed crawl left is refused, not
    # resumed from a queue Scrapy could not close (crawler.jobdir).
    "crawler.jobdir.JobdirMarker": 200,
    # A robots.txt that a network failure kept from being downloaded is one log line, as every
    # other failed request is, not a traceback (crawler.network_errors).
    "crawler.network_errors.NetworkErrorsInOneLine": 300,
}
ADDONS = {
    "crawler.deployment.ContactInUserAgent": 0,
}
ITEM_PIPELINES = {
    "crawler.pipelines.normalise.NormalisePipeline": 100,
    "crawler.pipelines.validate.ValidatePipeline": 200,
    "crawler.pipelines.archive.ArchivePipeline": 300,
}

# Scrapy's own feed exports (-O items.jsonl) write exactly the schema's fields, in order.
#: A local feed whose writes fail is said once and fails the crawl (crawler.feedstorage).
FEED_STORAGES = {"": "crawler.feedstorage.LocalFeedStorage", "file": "crawler.feedstorage.LocalFeedStorage"}
FEED_EXPORT_ENCODING = "utf-8"
#: JSON Lines with U+2028, U+2029 and U+0085 escaped (see crawler.exporters).
FEED_EXPORTERS = {name: "crawler.exporters.JsonLinesExporter" for name in ("jsonlines", "jsonl", "jl")}
FEED_EXPORT_FIELDS = [
    "id", "source", "site", "site_id", "url", "language", "title", "published", "published_raw",
    "doc_number", "type", "tags", "body_text", "body_html", "translations", "fetched_at",
    "published_precision", "change_history", "withdrawn", "segments",
]

LOG_LEVEL = "INFO"
