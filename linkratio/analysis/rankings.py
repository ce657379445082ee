"""Sites, short links and partners: names counted across posts and ranked."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd

from linkratio.analysis.results import TOP, Ranked
from linkratio.links import host, is_platform_media, post_ref, shortener_host, site


def person_name(name: str) -> str:
    """A partner as every rendering and chart shows it: `@handle`, or `account id 253312338`
    for a partner known only by id (counted as `id:253312338`)."""
    return f"account id {name[3:]}" if name.startswith("id:") else f"@{name}"


def rank_counts(counts: pd.Series, top: int | None = TOP) -> tuple[Ranked, ...]:
    """The `top` names (None: all) of `counts` (a count per name, the index) by count, ties
    by name case-insensitively."""
    counts = counts.rename_axis("name").reset_index(name="count")
    counts["key"] = counts["name"].str.lower()
    counts = counts.sort_values(["count", "key", "name"], ascending=[False, True, True])
    kept = counts if top is None else counts.head(top)
    return tuple(Ranked(str(r.name), int(r.count)) for r in kept.itertuples())


def site_names(lists: pd.Series) -> pd.DataFrame:
    """Explode a list column into unique (post, name, key) rows; key is the lower-case name."""
    flat = lists.explode().dropna()
    # Clean only the distinct values: per-element string methods are slow on 200k rows.
    codes, uniques = pd.factorize(flat)
    names = pd.Index(uniques.astype(str)).str.strip().str.lstrip("@").to_numpy(dtype=object)
    keys = pd.Index(names).str.lower().to_numpy(dtype=object)
    pairs = pd.DataFrame({"post": flat.index, "name": names[codes], "key": keys[codes]})
    return pairs[pairs["key"] != ""].drop_duplicates(["post", "key"])


def distinct_cells(cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The distinct objects among `cells` (positional index) and how many rows hold each.

    A library frame shares one list object among equal list cells, so a few hundred lists
    may stand for 200,000 rows: what is worked out per list need only be worked out once,
    then weighted. Equal cells that are distinct objects merely count apart.
    """
    values = cells.to_numpy(dtype=object)
    codes, uniques = pd.factorize(np.fromiter(map(id, values), dtype=np.uint64, count=len(values)))
    first = np.empty(len(uniques), dtype=np.intp)
    first[codes] = np.arange(len(codes))  # any row of a code: they hold the same object
    weights = np.bincount(codes, minlength=len(uniques))
    return pd.Series(values[first], dtype=object), weights


def top_sites(domains: pd.Series) -> tuple[Ranked, ...]:
    """Domains (lower-cased) by how many posts link to them; a post counts a domain once."""
    cells, weights = distinct_cells(domains)
    pairs = site_names(cells)
    return rank_counts(pairs.assign(n=weights[pairs["post"].to_numpy()]).groupby("key")["n"].sum())


def short_links(posts: pd.DataFrame, known: Collection[str]) -> dict[str, Any]:
    """How many links the posts carry, how many through a shortener, and which shorteners."""
    if "urls" not in posts.columns:
        return {}
    cells, weights = distinct_cells(posts["urls"])
    flat = cells.explode().dropna()
    rows = weights[flat.index.to_numpy()]  # how many posts carry each link of `flat`
    codes, uniques = pd.factorize(flat)
    # Most URLs are distinct, their hosts few: each host is looked up once.
    host_codes, hosts = pd.factorize(
        np.array([host(str(u)) for u in uniques.tolist()], dtype=object)
    )
    names = np.array([shortener_host(h, known) for h in hosts.tolist()] + [None], dtype=object)
    name = names[host_codes][codes]
    short = pd.notna(name)
    counts = pd.DataFrame({"name": name[short], "n": rows[short]}).groupby("name")["n"].sum()
    ranked = rank_counts(counts) if len(counts) else ()
    return {"links": int(rows.sum()), "short_links": int(rows[short].sum()), "shorteners": ranked}


def with_expansions(
    df: pd.DataFrame, expansions: Mapping[str, str], redirect_hosts: Collection[str] = ()
) -> pd.DataFrame:
    """`df` with each link's site taken from where it really goes, when that is known.

    `expansions` maps a URL as written to its destination (the library's resolutions);
    `urls` stay as written, only the expanded links' `domains` change, so short links are
    still counted. A link that leads to the platform's own posts or media is no site.
    `redirect_hosts` is kept in `attrs` for `summarize`.
    """
    out = df.copy(deep=False)
    out.attrs = {**df.attrs, "redirect_hosts": frozenset(redirect_hosts)}
    if expansions:
        platforms = df["platform"] if "platform" in df.columns else ["x"] * len(df)
        out["domains"] = [
            _expanded_sites(urls, sites, expansions, platform)
            if any(u in expansions for u in urls)
            else sites
            for urls, sites, platform in zip(df["urls"], df["domains"], platforms, strict=True)
        ]
    return out


def _expanded_sites(
    urls: list[str], sites: list[str], expansions: Mapping[str, str], platform: str
) -> list[str]:
    """One post's sites (one per URL), each expanded link's taken from its destination.

    A destination counts as `links.site` says, as a link written out would: youtu.be for
    youtube.com, the platform's own broadcasts for no site.
    """
    if len(sites) != len(urls):
        return sites  # not one site per URL: nothing to line up
    out = []
    for url, written in zip(urls, sites, strict=True):
        final = expansions.get(url)
        if final is None:
            out.append(written)
        elif post_ref(final, platform) is None and not is_platform_media(final, platform):
            out.append(site(final, platform))
    return out


def top_partners(partners: pd.Series, top: int | None = TOP) -> tuple[Ranked, ...]:
    """The `top` accounts (None: all) by how many conversation posts talk with them, under
    the commonest spelling."""
    cells, weights = distinct_cells(partners)
    pairs = site_names(cells)
    if pairs.empty:
        return ()
    pairs = pairs.assign(n=weights[pairs["post"].to_numpy()])
    spellings = pairs.groupby(["key", "name"])["n"].sum().reset_index(name="n")
    spellings = spellings.sort_values(["key", "n", "name"], ascending=[True, False, True])
    spelling = spellings.drop_duplicates("key").set_index("key")["name"]
    counts = pairs.groupby("key")["n"].sum()
    return rank_counts(counts.set_axis(counts.index.map(spelling)), top)
