"""The flow as the PRISMA2020 R package's CSV (reporting spec 3), and the paragraph for
PRISMA 2020 item 16a."""

from __future__ import annotations

from lib.prisma.model import Count, Flow, Line

CSV_HEADER = ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]

# (data, node, box, description, default boxtext) in the package's order (spec 3.2).
_ROWS: list[tuple[str, str, str, str, str]] = [
    ("NA", "node4", "prevstud", "Grey title box; Previous studies", "Previous studies"),
    ("previous_studies", "node5", "box1", "Studies included in previous version of review",
     "Studies included in previous version of review"),
    ("previous_reports", "NA", "box1", "Reports of studies included in previous version of review",
     "Reports of studies included in previous version of review"),
    ("NA", "node6", "newstud", "Yellow title box; Identification of new studies via databases and registers",
     "Identification of new studies via databases and registers"),
    ("database_results", "node7", "box2", "Records identified from: Databases", "Databases"),
    ("database_specific_results", "NA", "box2", "Records identified from: Specific Databases",
     "Specific Databases"),
    ("register_results", "NA", "box2", "Records identified from: Registers", "Registers"),
    ("register_specific_results", "NA", "box2", "Records identified from: Specific Registers",
     "Specific Registers"),
    ("NA", "node16", "othstud", "Grey title box; Identification of new studies via other methods",
     "Identification of new studies via other methods"),
    ("website_results", "node17", "box11", "Records identified from: Websites", "Websites"),
    ("organisation_results", "NA", "box11", "Records identified from: Organisations", "Organisations"),
    ("citations_results", "NA", "box11", "Records identified from: Citation searching",
     "Citation searching"),
    ("duplicates", "node8", "box3", "Duplicate records", "Duplicate records removed"),
    ("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools",
     "Records marked as ineligible by automation tools"),
    ("excluded_other", "NA", "box3", "Records removed for other reasons",
     "Records removed for other reasons"),
    ("records_screened", "node9", "box4", "Records screened (databases and registers)",
     "Records screened"),
    ("records_excluded", "node10", "box5", "Records excluded (databases and registers)",
     "Records excluded"),
    ("dbr_sought_reports", "node11", "box6", "Reports sought for retrieval (databases and registers)",
     "Reports sought for retrieval"),
    ("dbr_notretrieved_reports", "node12", "box7", "Reports not retrieved (databases and registers)",
     "Reports not retrieved"),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other)",
     "Reports sought for retrieval"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other)",
     "Reports not retrieved"),
    ("dbr_assessed", "node13", "box8", "Reports assessed for eligibility (databases and registers)",
     "Reports assessed for eligibility"),
    ("dbr_excluded", "node14", "box9", "Reports excluded (databases and registers)", "Reports excluded"),
    ("other_assessed", "node20", "box14", "Reports assessed for eligibility (other)",
     "Reports assessed for eligibility"),
    ("other_excluded", "node21", "box15", "Reports excluded (other)", "Reports excluded"),
    ("new_studies", "node15", "box10", "New studies included in review", "Studies included in review"),
    ("new_reports", "NA", "box10", "Reports of new included studies", "Reports of included studies"),
    ("total_studies", "node22", "box16", "Total studies included in review",
     "Total studies included in review"),
    ("total_reports", "NA", "box16", "Reports of total included studies",
     "Reports of total included studies"),
    ("identification", "node1", "identification", "Blue identification box", "Identification"),
    ("screening", "node2", "screening", "Blue screening box", "Screening"),
    ("included", "node3", "included", "Blue included box", "Included"),
    ("total_studies_ma", "NA", "box17", "Total studies included in meta-analysis",
     "Total studies included in meta-analysis"),
    ("total_reports_ma", "NA", "box17", "Reports of total included studies in meta-analysis",
     "Reports of total included studies in meta-analysis"),
]  # fmt: skip


def _n(count: Count) -> str:
    # The package has no "not reported": a blank (NA) hides the line, so NR and hidden
    # counts are blank; 0 stays 0 (spec 3.4).
    return str(count.value) if count.known else ""


def _list(lines: list[Line]) -> str:
    return "; ".join(f"{line.label}, {_n(line.count)}" for line in lines if line.count.known)


def csv_rows(flow: Flow) -> list[list[str]]:
    """Rows of the PRISMA2020 package's CSV; check C22 first (labels with , ; ')."""
    other_kinds = {"website": "website_results", "organisation": "organisation_results",
                   "citation_searching": "citations_results"}  # fmt: skip
    by_kind: dict[str, int | None] = {}
    for line in flow.other_sources:
        key = other_kinds.get(line.kind)
        if key and line.count.known:
            by_kind[key] = (by_kind.get(key) or 0) + (line.count.value or 0)
    rows = [CSV_HEADER]
    for data, node, box, description, boxtext in _ROWS:
        if data == "database_specific_results":
            n = _list(flow.databases)
        elif data == "register_specific_results":
            n = _list(flow.registers)
        elif data == "dbr_excluded":
            n = _list(flow.dbr_excluded) or _n(flow["dbr_excluded_reports"])
        elif data == "other_excluded":
            n = _list(flow.other_excluded) or _n(flow["other_excluded_reports"])
        elif data in other_kinds.values():
            n = str(by_kind[data]) if by_kind.get(data) is not None else ""
        elif data in ("NA", "identification", "screening", "included"):
            n = "0"
        else:
            n = _n(flow[data])
        if flow.updated:
            boxtext = {"Studies included in review": "New studies included in review",
                       "Reports of included studies": "Reports of new included studies"}.get(
                boxtext, boxtext)  # fmt: skip
        elif data == "NA" and box == "newstud":
            boxtext = "Identification of studies via databases and registers"
        elif data == "NA" and box == "othstud":
            boxtext = "Identification of studies via other methods"
        url = f"{box if data == 'NA' else data}.html" if node != "NA" else "NA"
        tooltip = description if node != "NA" else "NA"
        rows.append([data, node, box, description, boxtext, tooltip, url, n])
    return rows


def paragraph(flow: Flow) -> str:
    """PRISMA 2020 item 16a: the results of the search and selection, in words."""

    def n(key: str) -> str:
        return flow[key].text() if flow[key].shown else "NR"

    def one(key: str) -> bool:
        return flow.value(key) == 1

    def of(key: str, singular: str, plural: str) -> str:
        """The count with its noun: "1 study", "2 studies", "NR studies"."""
        return f"{n(key)} {singular if one(key) else plural}"

    def were(key: str) -> str:
        return "was" if one(key) else "were"

    sources = [line for line in flow.databases + flow.registers]
    counted = [line for line in sources if line.count.known]
    parts = [
        f"The searches of {len(sources)} database{'s' if len(sources) != 1 else ''} and "
        f"register{'s' if len(flow.registers) != 1 else ''} identified {n('database_results')} "
        "records"
        + (f" (counts not reported for {len(sources) - len(counted)})" if len(counted) < len(sources) else "")
        + "."
    ]  # fmt: skip
    removed = [of("duplicates", "duplicate", "duplicates")]
    if flow.value("excluded_automatic"):
        removed.append(f"{n('excluded_automatic')} marked ineligible by automation tools")
    if flow.value("excluded_other"):
        removed.append(f"{n('excluded_other')} removed for other reasons")
    parts.append(
        f"After removing {' and '.join(removed)}, "
        f"{of('records_screened', 'record', 'records')} {were('records_screened')} screened "
        f"on title and abstract and {n('records_excluded')} {were('records_excluded')} excluded"
        + (
            f" ({n('records_excluded_human')} by reviewers and "
            f"{n('records_excluded_automation')} by an automation tool)"
            if flow.value("records_excluded_automation")
            else ""
        )
        + "."
    )
    parts.append(
        f"Of {of('dbr_sought_reports', 'report', 'reports')} sought for retrieval, "
        f"{n('dbr_notretrieved_reports')} could not be retrieved, and {n('dbr_assessed')} "
        f"{were('dbr_assessed')} assessed for eligibility in full text"
        + (
            "; " + ", ".join(
                f"{line.count.text()} {'was' if line.count.value == 1 else 'were'} excluded "
                f"({line.label})" for line in flow.dbr_excluded) if flow.dbr_excluded
            else f"; {n('dbr_excluded_reports')} {were('dbr_excluded_reports')} excluded"
        )
        + "."
    )  # fmt: skip
    if flow.other:
        parts.append(
            f"Other methods ({', '.join(line.label for line in flow.other_sources)}) led to "
            f"{of('other_sought_reports', 'report', 'reports')} sought, {n('other_assessed')} assessed and "
            f"{n('other_excluded_reports')} excluded."
        )
    if flow.updated:
        parts.append(
            f"{of('new_studies', 'new study', 'new studies')} "
            f"({of('new_reports', 'report', 'reports')}) {were('new_studies')} included; with "
            f"the {of('previous_studies', 'study', 'studies')} of the previous version, the "
            f"review includes {of('total_studies', 'study', 'studies')} "
            f"({of('total_reports', 'report', 'reports')})."
        )
    else:
        parts.append(
            f"{of('new_studies', 'study', 'studies')}, reported in "
            f"{of('new_reports', 'report', 'reports')}, {were('new_studies')} included in the "
            "review."
        )
    return " ".join(parts)
