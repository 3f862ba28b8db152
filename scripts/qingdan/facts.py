"""Facts: the few values of each file that rules across records need.

Facts are plain JSON data, so they can be cached by the content hash of the
file: re-validating after a one-file change reads the facts of every other
file from the cache instead of parsing and validating it again.
"""

from __future__ import annotations

from typing import Any

from . import model
from .layout import department_of

Facts = dict[str, Any]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _cites(basis: list[model.LegalBasis], loc: list, field_name: str) -> list[dict]:
    # The quoted text only where given: facts are cached for every file, and many citations have none.
    out = []
    for i, b in enumerate(basis):
        cite = {"source": b.source, "articles": b.articles, "loc": [*loc, field_name, i, "source"]}
        if b.text is not None:
            cite["text"] = b.text
        out.append(cite)
    return out


def extract(kind: str, record: Any, relpath: str) -> Facts:
    """The facts of one valid record of the given kind."""
    dept = department_of(relpath)
    extractor = _EXTRACTORS[kind]
    facts = extractor(record)
    facts["department_folder"] = dept
    return facts


def _site(rec: model.SiteConfig) -> Facts:
    return {"site": rec.model_dump(mode="json")}


def _regions(rec: model.RegionList) -> Facts:
    return {"regions": [
        {"code": r.code, "name": r.name, "level": r.level, "parent": r.parent, "loc": ["items", i]}
        for i, r in enumerate(rec.items)
    ]}


def _sources(rec: model.SourceList) -> Facts:
    return {"sources": [
        {"id": s.id, "title": s.title, "level": s.level, "status": s.status,
         "repealed": _iso(s.repealed), "verified": s.verified, "loc": ["items", i], "issuer": s.issuer,
         "promulgated": _iso(s.promulgated), "effective": _iso(s.effective), "amended": _iso(s.amended)}
        for i, s in enumerate(rec.items)
    ]}


def _department(rec: model.Department) -> Facts:
    publications = [{"list": p.list, "year": p.year, "date": p.date.isoformat(), "loc": ["publications", i, "date"]}
                    for i, p in enumerate(rec.publications)]
    return {"department": {"id": rec.id, "name": rec.name, "region": rec.region, "uscc": rec.uscc,
                           "publications": publications}}


def _powers(rec: model.PowerList) -> Facts:
    items = []
    for i, item in enumerate(rec.items):
        loc = ["items", i]
        items.append({
            "code": item.code, "name": item.name, "type": item.power_type, "loc": loc,
            "status": item.status, "effective": _iso(item.effective), "basis_reviewed": _iso(item.basis_reviewed),
            "sub_codes": [[s.code, [*loc, "sub_items", j, "code"]] for j, s in enumerate(item.sub_items)],
            "departments": [[d, [*loc, "co_implementers", j]] for j, d in enumerate(item.co_implementers)],
            # The sources of the item's own 设定依据, which the rules comparing items of different files read.
            "basis": sorted({b.source for b in item.legal_basis}),
            "cites": _cites(item.legal_basis, loc, "legal_basis")
            + _cites(item.implementation_basis, loc, "implementation_basis")
            + _cites(item.accountability_basis, loc, "accountability_basis")
            + [c for j, sub in enumerate(item.sub_items) for c in
               _cites(sub.legal_basis, [*loc, "sub_items", j], "legal_basis")
               + _cites(sub.implementation_basis, [*loc, "sub_items", j], "implementation_basis")],
            "body_nature": item.body_nature, "implementing_body": item.implementing_body,
            "provisional": item.provisional,
            "adjustments": [
                {"kind": a.kind, "from_codes": a.from_codes, "to_codes": a.to_codes, "loc": [*loc, "adjustments", j]}
                for j, a in enumerate(item.adjustments)],
        })
    return {"powers": items}


def _responsibilities(rec: model.ResponsibilityList) -> Facts:
    refs, cites = [], []
    for i, boundary in enumerate(rec.boundaries):
        loc = ["boundaries", i]
        refs += [[d, [*loc, "departments", j]] for j, d in enumerate(boundary.departments)]
        cites += _cites(boundary.basis, loc, "basis")
    for i, duty in enumerate(rec.main_duties):
        cites += _cites(duty.accountability_basis, ["main_duties", i], "accountability_basis")
    return {"department_refs": refs, "cites": cites}


def _negative(rec: model.NegativeList) -> Facts:
    items, measures = [], []
    for i, item in enumerate(rec.items):
        loc = ["items", i]
        items.append({"code": item.code, "loc": [*loc, "code"]})
        for j, measure in enumerate(item.measures):
            mloc = [*loc, "measures", j]
            measures.append({
                "code": measure.code, "loc": [*mloc, "code"], "status": measure.status,
            "scope": measure.scope, "national_entry": measure.national_entry,
                "effective": _iso(measure.effective), "basis_reviewed": _iso(measure.basis_reviewed),
                "cites": _cites(measure.legal_basis, mloc, "legal_basis"),
            })
    return {"negative_items": items, "measures": measures}


def _regulations(rec: model.RegulationList) -> Facts:
    return {"regulations": [
        {
            "code": r.code, "title": r.title, "loc": ["items", i], "industry": r.industry,
            "adopted": _iso(r.adopted), "approved": _iso(r.approved),
            "promulgated": _iso(r.promulgated), "effective": _iso(r.effective),
            "validity": r.validity, "repealed": _iso(r.repealed), "result": r.cleanup.result,
            "level": r.level, "superseded_by": r.superseded_by,
            "cleanups": [[["items", i, "cleanup_history", j], _cleanup(c)] for j, c in enumerate(r.cleanup_history)]
            + [[["items", i, "cleanup"], _cleanup(r.cleanup)]],
        }
        for i, r in enumerate(rec.items)
    ]}


def _cleanup(c: model.regulation.Cleanup) -> Facts:
    return {"result": c.result, "decision": c.decision, "decision_number": c.decision_number,
            "decision_date": _iso(c.decision_date)}


_EXTRACTORS = {
    "site": _site, "regions": _regions, "sources": _sources, "department": _department,
    "powers": _powers, "responsibilities": _responsibilities, "negative_list": _negative,
    "regulations": _regulations,
}
