#!/usr/bin/env python3
"""Writes generated analytics events straight into a Steward SQLite database, for the dashboard benchmark.

    steward migrate --data-dir D
    python3 scripts/bench/analytics-generate.py D/steward.sqlite [--events 10000000] [--days 90] [--seed 1]
    steward analytics rollup --data-dir D

The events end now and go back `--days` days. They look like a real site's: visits of 1 to 8 page views (about 40%
single-page) a few minutes apart from one visitor hash (24 hex characters, new every day), an engagement report
after most page views, some outbound clicks and named events; Zipf-like popularity over about 300 paths; about 60
sources (direct, search engines, social sites, newsletters with UTM campaigns, a long tail of referring sites);
browsers, systems and devices in realistic shares; countries; a daily rhythm with quieter weekends. The same seed
gives the same events, apart from where "now" falls.

Rows go in time order (as the server writes them) with executemany in large transactions, with
`journal_mode=WAL` and `synchronous=OFF` during the load (synchronous is set back to FULL at the end). Progress is
printed every million events.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import random
import sqlite3
import sys
import time

DAY_MS = 86_400_000
MINUTE_MS = 60_000
BATCH = 50_000
KINDS = ("pageview", "engagement", "outbound", "event")

# --- what the site looks like ---------------------------------------------------------------------------------------


def site_paths() -> list[str]:
    """About 300 paths, most popular first: the home page, sections, then blog posts, docs and product pages."""
    paths = ["/", "/pricing", "/blog", "/about", "/contact", "/features", "/docs", "/signup", "/login", "/privacy"]
    paths += [f"/blog/post-{n}" for n in range(1, 141)]
    paths += [f"/docs/{section}/{page}" for section in ("start", "guides", "api", "admin") for page in range(1, 21)]
    paths += [f"/products/{name}" for name in ("desk", "chat", "voice", "portal", "reports", "mobile")]
    paths += [f"/customers/story-{n}" for n in range(1, 41)]
    paths += [f"/careers/{role}" for role in ("engineer", "designer", "support", "sales", "writer")]
    paths += [f"/tag/{tag}" for tag in ("news", "howto", "release", "security", "privacy", "events", "team")]
    paths += ["/terms", "/imprint", "/status", "/changelog", "/partners", "/press", "/newsletter", "/search"]
    return paths


# (source as Steward stores it, referrer hosts, weight, UTM (medium, campaigns) or None). The source of a visit with
# utm_source is that value lower-cased, else the grouped name of the referrer's site, else "" (direct).
SOURCES: list[tuple[str, tuple[str, ...], float, tuple[str, tuple[str, ...]] | None]] = [
    ("", ("",), 34.0, None),
    ("Google", ("www.google.com", "www.google.de", "www.google.co.uk", "www.google.fr", "www.google.nl",
                "www.google.be", "www.google.es", "www.google.it", "www.google.ca", "www.google.com.br"), 28.0, None),
    ("Bing", ("www.bing.com",), 3.5, None),
    ("DuckDuckGo", ("duckduckgo.com",), 2.5, None),
    ("Ecosia", ("www.ecosia.org",), 0.8, None),
    ("Yahoo", ("search.yahoo.com",), 0.6, None),
    ("Yandex", ("yandex.ru", "ya.ru"), 0.4, None),
    ("Baidu", ("www.baidu.com",), 0.3, None),
    ("Brave Search", ("search.brave.com",), 0.5, None),
    ("Qwant", ("www.qwant.com",), 0.3, None),
    ("Startpage", ("www.startpage.com",), 0.3, None),
    ("Facebook", ("l.facebook.com", "m.facebook.com", "www.facebook.com"), 2.5, None),
    ("X (Twitter)", ("t.co",), 1.8, None),
    ("LinkedIn", ("www.linkedin.com", "lnkd.in"), 2.0, None),
    ("Reddit", ("www.reddit.com", "old.reddit.com", "out.reddit.com"), 1.5, None),
    ("Hacker News", ("news.ycombinator.com",), 1.2, None),
    ("YouTube", ("www.youtube.com",), 0.8, None),
    ("Instagram", ("l.instagram.com",), 0.6, None),
    ("GitHub", ("github.com",), 1.0, None),
    ("Mastodon", ("mastodon.social",), 0.4, None),
    ("Bluesky", ("bsky.app",), 0.4, None),
    ("Pinterest", ("www.pinterest.com",), 0.2, None),
    ("ChatGPT", ("chatgpt.com",), 0.9, None),
    ("Perplexity", ("www.perplexity.ai",), 0.3, None),
    ("Gmail", ("mail.google.com",), 0.4, None),
    ("newsletter", ("",), 3.0, ("email", ("december-digest", "november-digest", "product-update", "welcome-series"))),
    ("news", ("",), 1.2, ("email", ("weekly-news", "release-notes"))),
    ("mailchimp", ("",), 0.5, ("email", ("spring-sale", "webinar-invite"))),
    ("linkedin", ("",), 0.6, ("social", ("launch-post", "hiring"))),
    ("twitter", ("",), 0.3, ("social", ("launch-post",))),
    ("facebook", ("",), 0.3, ("cpc", ("retargeting", "brand"))),
    ("google", ("",), 1.0, ("cpc", ("brand-search", "competitor-terms", "generic-helpdesk"))),
    ("bing", ("",), 0.2, ("cpc", ("brand-search",))),
    ("capterra", ("",), 0.4, ("referral", ("listing",))),
    ("g2", ("",), 0.3, ("referral", ("listing",))),
    ("partner", ("",), 0.3, ("referral", ("partner-portal",))),
    ("podcast", ("",), 0.2, ("audio", ("episode-42",))),
]
# The long tail of referring sites: the source is the host without "www.".
for _host, _weight in [
    ("dev.to", 0.5), ("medium.com", 0.6), ("stackoverflow.com", 0.7), ("en.wikipedia.org", 0.5),
    ("producthunt.com", 0.3), ("lobste.rs", 0.2), ("indiehackers.com", 0.2), ("techcrunch.com", 0.15),
    ("theverge.com", 0.1), ("heise.de", 0.2), ("golem.de", 0.1), ("alternativeto.net", 0.3), ("slashdot.org", 0.05),
    ("blog.example.org", 0.1), ("support.partner.example", 0.15), ("forum.example.net", 0.1),
    ("docs.example.io", 0.1), ("substack.com", 0.2), ("feedly.com", 0.15), ("notion.so", 0.1),
    ("discord.com", 0.15), ("teams.microsoft.com", 0.1), ("outlook.live.com", 0.2),
]:
    SOURCES.append((_host, ("www." + _host if _host.count(".") == 1 else _host,), _weight, None))

# (browser, versions, os, os versions, device, weight). Version lists are newest first; older ones are rarer.
AGENTS: list[tuple[str, tuple[str, ...], str, tuple[str, ...], str, float]] = [
    ("Chrome", ("131", "130", "129", "128", "127", "126", "120", "109"), "Windows", ("10",), "desktop", 26.0),
    ("Chrome", ("131", "130", "129", "128", "126"), "macOS", ("10.15",), "desktop", 8.0),
    ("Chrome", ("131", "130", "129", "128"), "Linux", ("",), "desktop", 2.0),
    ("Chrome", ("131", "130", "129"), "Chrome OS", ("",), "desktop", 0.8),
    ("Chrome", ("131", "130", "129", "128", "127", "124"), "Android", ("14", "13", "15", "12", "11", "10"), "mobile",
     17.0),
    ("Chrome", ("131", "130", "129"), "Android", ("14", "13", "15"), "tablet", 1.2),
    ("Samsung Internet", ("27", "26", "25", "23"), "Android", ("14", "13", "12"), "mobile", 2.5),
    ("Safari", ("18", "17", "16"), "iOS", ("18.1", "18.0", "17.6", "17.5", "16.7", "18.2"), "mobile", 15.0),
    ("Safari", ("18", "17"), "iPadOS", ("18.1", "17.6", "18.0"), "tablet", 2.5),
    ("Safari", ("18", "17", "16"), "macOS", ("10.15",), "desktop", 5.5),
    ("Chrome", ("131", "130"), "iOS", ("18.1", "17.6"), "mobile", 1.5),
    ("Edge", ("131", "130", "129", "128"), "Windows", ("10",), "desktop", 6.0),
    ("Edge", ("131", "130"), "macOS", ("10.15",), "desktop", 0.5),
    ("Firefox", ("133", "132", "131", "128", "115"), "Windows", ("10",), "desktop", 3.5),
    ("Firefox", ("133", "132", "128"), "macOS", ("10.15",), "desktop", 0.8),
    ("Firefox", ("133", "132", "128", "115"), "Linux", ("",), "desktop", 1.2),
    ("Firefox", ("133", "132"), "Android", ("14", "13"), "mobile", 0.5),
    ("Opera", ("114", "113"), "Windows", ("10",), "desktop", 0.8),
    ("Vivaldi", ("7", "6"), "Windows", ("10",), "desktop", 0.2),
    ("Chrome", ("109",), "Windows", ("7", "8.1"), "desktop", 0.3),
    ("Chrome WebView", ("131", "130"), "Android", ("14", "13"), "mobile", 0.8),
    ("Safari WebView", ("",), "iOS", ("18.1", "17.6"), "mobile", 0.7),
    ("Facebook App", ("",), "iOS", ("18.1", "17.6"), "mobile", 0.4),
    ("Instagram App", ("",), "Android", ("14",), "mobile", 0.3),
    ("Yandex", ("24",), "Windows", ("10",), "desktop", 0.2),
    ("UC Browser", ("16",), "Android", ("12",), "mobile", 0.1),
    ("Other", ("",), "Other", ("",), "desktop", 0.2),
]

WIDTHS = {
    "desktop": (1920, 1536, 1366, 1440, 1280, 2560, 1600, 1680, 1024),
    "mobile": (390, 393, 412, 375, 414, 360, 430, 384),
    "tablet": (820, 768, 810, 1024, 834, 800),
}

COUNTRIES = [
    ("DE", 16), ("US", 14), ("GB", 8), ("FR", 7), ("NL", 6), ("BE", 5), ("ES", 4), ("IT", 4), ("AT", 3), ("CH", 3),
    ("SE", 2), ("PL", 2.5), ("CA", 2.5), ("IN", 3), ("BR", 1.5), ("AU", 1.5), ("DK", 1), ("NO", 1), ("FI", 0.8),
    ("IE", 1), ("PT", 1), ("CZ", 0.8), ("RO", 0.7), ("HU", 0.5), ("GR", 0.4), ("JP", 0.8), ("KR", 0.3),
    ("SG", 0.4), ("MX", 0.5), ("AR", 0.3), ("ZA", 0.3), ("TR", 0.5), ("UA", 0.4), ("IL", 0.3), ("NZ", 0.3),
    ("LU", 0.3), ("", 2.0),
]

OUTBOUND = [
    "https://github.com/steward-example/steward", "https://www.linkedin.com/company/example",
    "https://twitter.com/example", "https://apps.apple.com/app/example/id123456", "https://play.google.com/store",
    "https://status.example-cloud.com/", "https://docs.swift.org/swift-book/", "https://www.youtube.com/@example",
    "https://mastodon.social/@example", "https://partner.example.net/offer", "https://calendly.com/example/demo",
    "https://www.g2.com/products/example/reviews", "https://en.wikipedia.org/wiki/Help_desk",
]

CUSTOM_EVENTS = [
    ("Signup", ({"plan": "free"}, {"plan": "pro"}, {"plan": "team"})),
    ("Newsletter", ({"list": "monthly"}, {"list": "releases"})),
    ("Download", ({"file": "brochure.pdf"}, {"file": "price-list.pdf"})),
    ("Contact", ({"topic": "sales"}, {"topic": "support"})),
    ("Search", ({},)),
    ("Video play", ({"video": "tour"}, {"video": "webinar"})),
]

# Share of visits by UTC hour (Europe-heavy audience) and by weekday (Monday first).
HOURS = [1.5, 1.0, 0.8, 0.7, 0.8, 1.2, 2.2, 3.8, 5.5, 6.5, 6.8, 6.6, 6.0, 6.3, 6.5, 6.3, 5.8, 5.0, 4.4, 4.2, 4.0,
         3.6, 2.8, 2.1]
WEEKDAYS = [1.08, 1.12, 1.10, 1.06, 0.96, 0.62, 0.66]


# --- generation -----------------------------------------------------------------------------------------------------


def cumulative(weights: list[float]) -> list[float]:
    """Running sums of `weights`, for random.choices(cum_weights=…) and bisect."""
    return list(itertools.accumulate(weights))


class Site:
    """Pre-computed choices: paths with Zipf-like weights, sources, agents, countries and their cumulative weights."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.paths = site_paths()
        self.path_weights = cumulative([1.0 / (rank + 1) ** 1.05 for rank in range(len(self.paths))])
        self.sources = SOURCES
        self.source_weights = cumulative([source[2] for source in SOURCES])
        self.agents = AGENTS
        self.agent_weights = cumulative([agent[5] for agent in AGENTS])
        self.countries = [code for code, _ in COUNTRIES]
        self.country_weights = cumulative([weight for _, weight in COUNTRIES])
        self.hour_weights = cumulative(HOURS)
        # Page views per visit: 40% one page, then 2…8 ever rarer.
        self.depths = [1, 2, 3, 4, 5, 6, 7, 8]
        self.depth_weights = cumulative([40, 20, 13, 9, 7, 5, 3.5, 2.5])
        self.custom = [(name, [json.dumps(p, separators=(",", ":")) if p else None for p in props])
                       for name, props in CUSTOM_EVENTS]


def pick(rng: random.Random, items: list, cum: list[float]):
    """One item of `items`, weighted by the cumulative weights `cum`."""
    return items[bisect.bisect_right(cum, rng.random() * cum[-1])]


def old_or_new(rng: random.Random, versions: tuple[str, ...]) -> str:
    """A version from a newest-first list: each older one about half as common as the one before."""
    index = min(int(rng.expovariate(0.7)), len(versions) - 1)
    return versions[index]


def day_targets(events: int, start_ms: int, end_ms: int, rng: random.Random) -> list[tuple[int, int, int, int]]:
    """(day, first ms, end ms, events) for every day that overlaps [start_ms, end_ms), the events split by weekday
    rhythm, a slow growth over the period, some noise, and how much of the day lies inside the range."""
    first_day, last_day = start_ms // DAY_MS, (end_ms - 1) // DAY_MS
    days = list(range(first_day, last_day + 1))
    weights = []
    for index, day in enumerate(days):
        lo, hi = max(start_ms, day * DAY_MS), min(end_ms, (day + 1) * DAY_MS)
        # The share of the day's traffic that falls between lo and hi, by the hourly curve.
        share = 0.0
        for hour in range(24):
            h_lo, h_hi = day * DAY_MS + hour * 3_600_000, day * DAY_MS + (hour + 1) * 3_600_000
            overlap = max(0, min(hi, h_hi) - max(lo, h_lo))
            share += HOURS[hour] * overlap / 3_600_000
        share /= sum(HOURS)
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 is Monday
        growth = 0.85 + 0.3 * index / max(1, len(days) - 1)
        weights.append(share * WEEKDAYS[weekday] * growth * rng.uniform(0.92, 1.08))
    total = sum(weights)
    counts = [int(events * weight / total) for weight in weights]
    # Hand out the rounding remainder to the busiest days.
    for index in sorted(range(len(days)), key=lambda i: -weights[i])[: events - sum(counts)]:
        counts[index] += 1
    return [(day, max(start_ms, day * DAY_MS), min(end_ms, (day + 1) * DAY_MS), count)
            for day, count in zip(days, counts)]


def visit_start(rng: random.Random, site: Site, day: int, lo: int, hi: int) -> int:
    """A visit's first page view: an hour by the daily curve, a moment in it, inside [lo, hi)."""
    while True:
        hour = bisect.bisect_right(site.hour_weights, rng.random() * site.hour_weights[-1])
        at = day * DAY_MS + hour * 3_600_000 + int(rng.random() * 3_600_000)
        if lo <= at < hi:
            return at


def day_events(rng: random.Random, site: Site, day: int, lo: int, hi: int, count: int) -> list[tuple]:
    """Exactly `count` rows for one day, in time order (each row: the table's columns after `id`)."""
    rows: list[tuple] = []
    host = site.host
    paths, path_weights = site.paths, site.path_weights
    returning: list[tuple] = []  # visitors who may come back later the same day
    while len(rows) < count:
        # A visitor: new, or (15%) one seen earlier today, with the same hash, agent and country.
        if returning and rng.random() < 0.15:
            visitor, agent, country = returning[int(rng.random() * len(returning))]
        else:
            visitor = "%024x" % rng.getrandbits(96)
            browser, versions, os_name, os_versions, device, _ = pick(rng, site.agents, site.agent_weights)
            width = WIDTHS[device][min(int(rng.expovariate(0.5)), len(WIDTHS[device]) - 1)]
            agent = (browser, old_or_new(rng, versions), os_name, old_or_new(rng, os_versions), device, width)
            country = pick(rng, site.countries, site.country_weights)
            if len(returning) < 5000:
                returning.append((visitor, agent, country))
        browser, browser_version, os_name, os_version, device, width = agent
        source, referrers, _, utm = pick(rng, site.sources, site.source_weights)
        referrer_host = referrers[int(rng.random() * len(referrers))]
        utm_source = utm_medium = utm_campaign = ""
        if utm is not None:
            utm_source, utm_medium = source, utm[0]
            utm_campaign = utm[1][int(rng.random() * len(utm[1]))]
        depth = pick(rng, site.depths, site.depth_weights)
        at = visit_start(rng, site, day, lo, hi)
        device_fields = (browser, browser_version, os_name, os_version, device, country)
        # The landing page view carries the source; later page views come from the site itself (the referrer is
        # one of its pages, so no source). Other events send no referrer: only the landing page's UTM query counts.
        landing = (source, referrer_host, utm_source, utm_medium, utm_campaign) + device_fields
        landing_events = (utm_source, "", utm_source, utm_medium, utm_campaign) + device_fields
        inside = ("", host, "", "", "") + device_fields
        inside_events = ("", "", "", "", "") + device_fields
        for page in range(depth):
            if at >= hi:
                break  # the day (or the generated range) ends: so does the visit
            path = pick(rng, paths, path_weights)
            view, other = (landing, landing_events) if page == 0 else (inside, inside_events)
            rows.append((at, day, "pageview", host, path) + view + (width, visitor, None, None, None, None))
            dwell = min(int(rng.lognormvariate(11.0, 1.0)), 20 * MINUTE_MS)  # median a minute
            roll = rng.random()
            if roll < 0.04 and at + dwell // 2 < hi:
                link = OUTBOUND[int(rng.random() * len(OUTBOUND))]
                rows.append((at + dwell // 2, day, "outbound", host, path) + other
                            + (None, visitor, None, link, None, None))
            elif roll < 0.07 and at + dwell // 3 < hi:
                name, properties = site.custom[int(rng.random() * len(site.custom))]
                props = properties[int(rng.random() * len(properties))]
                rows.append((at + dwell // 3, day, "event", host, path) + other
                            + (None, visitor, None, None, name, props))
            # Most page views end with an engagement report (visible time, at least a second).
            if rng.random() < 0.72 and dwell >= 1000 and at + dwell < hi:
                rows.append((at + dwell, day, "engagement", host, path) + other
                            + (None, visitor, dwell, None, None, None))
            at += dwell + int(rng.random() * 20_000) + 500
        if len(returning) and rng.random() < 0.002:
            returning.pop(0)
    del rows[count:]
    rows.sort(key=lambda row: row[0])
    return rows


COLUMNS = ("occurred_at", "day", "kind", "host", "path", "source", "referrer_host", "utm_source", "utm_medium",
           "utm_campaign", "browser", "browser_version", "os", "os_version", "device", "country", "screen_width",
           "visitor", "duration_ms", "link", "name", "properties")


def main() -> int:
    """Parses the arguments, generates and writes the events, and prints a summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="the SQLite file, e.g. D/steward.sqlite after `steward migrate --data-dir D`")
    parser.add_argument("--events", type=int, default=10_000_000, help="how many events (default 10,000,000)")
    parser.add_argument("--days", type=int, default=90, help="over how many days, ending now (default 90)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--host", default="www.example.com", help="the site's host (default www.example.com)")
    parser.add_argument("--now-ms", type=int, default=None, help="end of the range in ms since 1970 (default: now)")
    args = parser.parse_args()
    if args.events < 0 or args.days < 1:
        parser.error("--events must be ≥ 0 and --days ≥ 1")

    rng = random.Random(args.seed)
    site = Site(args.host)
    end_ms = args.now_ms if args.now_ms is not None else int(time.time() * 1000)
    start_ms = end_ms - args.days * DAY_MS

    db = sqlite3.connect(args.database, isolation_level=None)
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "analytics_events" not in tables:
        print(f"{args.database} has no analytics_events table: run `steward migrate` first", file=sys.stderr)
        return 1
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")  # 256 MB of page cache for the load
    insert = f"INSERT INTO analytics_events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"

    started = time.monotonic()
    written = 0
    next_report = 1_000_000
    kinds = dict.fromkeys(KINDS, 0)
    pending: list[tuple] = []
    for day, lo, hi, count in day_targets(args.events, start_ms, end_ms, rng):
        if count == 0:
            continue
        rows = day_events(rng, site, day, lo, hi, count)
        for row in rows:
            kinds[row[2]] += 1
        pending.extend(rows)
        while len(pending) >= BATCH or (pending and written + len(pending) == args.events):
            chunk, pending = pending[:BATCH], pending[BATCH:]
            db.execute("BEGIN")
            db.executemany(insert, chunk)
            db.execute("COMMIT")
            written += len(chunk)
            while written >= next_report:
                elapsed = time.monotonic() - started
                print(f"{written:,} events written in {elapsed:.1f} s ({written / elapsed:,.0f}/s)", flush=True)
                next_report += 1_000_000
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    elapsed = time.monotonic() - started
    shares = ", ".join(f"{kind} {count:,}" for kind, count in kinds.items())
    print(f"done: {written:,} events over {args.days} days in {elapsed:.1f} s "
          f"({written / max(elapsed, 1e-9):,.0f}/s); {shares}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
