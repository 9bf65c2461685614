"""The built-in checklists, as data. A review gets its own copy (then versioned there), so
editing one review's checklist never changes another's.

The library (`BUILTIN`): the reference review's two checklists and, for the common designs,
RoB 2, ROBINS-I, the CASP set, the JBI set, MMAT 2018, Newcastle-Ottawa and AMSTAR 2, each
with its source, version and licence. Where a tool's licence does not let Sift ship its
wording (no derivatives, non-commercial, or all rights reserved), the tool ships its
structure (domains, item codes, answer scales, algorithms) with short item labels written
for Sift, and says where the official wording and guidance are; reviewers appraise with the
official text beside them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .answers import CANT_TELL, NA, NO, UNCLEAR, YES
from .definitions import DomainDef, QuestionDef, Structure

WORDING = "Short labels written for Sift; the official wording and guidance: "


@dataclass(frozen=True, slots=True)
class BuiltinChecklist:
    key: str
    name: str
    design: str  # qualitative, quantitative: the default it becomes ("" = chosen per study)
    source_note: str
    questions: tuple[QuestionDef, ...]
    domains: tuple[DomainDef, ...] = ()
    judgements: tuple[str, ...] = ()  # the overall judgement's scale
    tool: str = ""  # algorithms: "<tool>.overall" (lib.appraisal.algorithms)
    fits: str = ""  # the study designs it is for
    version: str = ""
    licence: str = ""
    wording_url: str = ""  # where the official wording is, when it is not shipped

    @property
    def structure(self) -> Structure:
        return Structure(self.questions, self.domains, self.judgements)

    @property
    def algorithms_note(self) -> str:
        """What the tool's published algorithms suggest ("" when nothing)."""
        from .algorithms import ALGORITHMS, MANUAL_DOMAINS

        domains = self.domains and all(d.algorithm in ALGORITHMS for d in self.domains)
        overall = f"{self.tool}.overall" in ALGORITHMS
        if domains and overall:
            return "domain and overall judgements suggested by its published algorithms"
        if overall and self.tool in MANUAL_DOMAINS:
            return ("overall judgement suggested by its published rule; domains judged from "
                    "the guidance (no published algorithm)")  # fmt: skip
        return "overall judgement suggested by its published rule" if overall else ""


def _questions(texts: list[str], options=(YES, NO, CANT_TELL, NA), section="") -> tuple:
    result = []
    for n, text in enumerate(texts, 1):
        question, _, hint = text.partition(" [")
        result.append(QuestionDef(f"Q{n}", question, section, hint.rstrip("]"), "choice", options))
    return tuple(result)


def _items(rows, options, section="", domain="") -> tuple[QuestionDef, ...]:
    """(code, label) or (code, label, scale) rows; a scale "text" is a free-text item."""
    result = []
    for row in rows:
        code, label = row[0], row[1]
        scale = row[2] if len(row) > 2 else options
        if scale == "text":
            result.append(QuestionDef(code, label, section, "", "text", (), domain))
        else:
            result.append(QuestionDef(code, label, section, "", "choice", scale, domain))
    return tuple(result)


def _sections(parts, options) -> tuple[QuestionDef, ...]:
    return tuple(q for section, rows in parts for q in _items(rows, options, section))


def _domains(parts, options, judgements, tool=""):
    """(code, name, rows) parts -> (domains, questions); a domain's algorithm is
    "<tool>.<code lowercased>" when the tool publishes one."""
    domains: list[DomainDef] = []
    questions: list[QuestionDef] = []
    for code, name, rows in parts:
        algorithm = f"{tool}.{code.lower()}" if tool else ""
        domains.append(DomainDef(code, name, judgements, algorithm))
        questions.extend(_items(rows, options, name, code))
    return tuple(domains), tuple(questions)


def _note(source: str, version: str, licence: str, url: str = "") -> str:
    note = f"{source} Version: {version}. Licence: {licence}"
    return f"{note} {WORDING}{url}" if url else note


SEED_QUALITATIVE = BuiltinChecklist(
    key="seed_qualitative",
    name="Qualitative studies (Smith et al. 2009)",
    design="qualitative",
    source_note=(
        "Hunter DJ et al., Partnership Working and the Implications for Governance, NIHR SDO "
        "2010, Figure 2; adapted from Rees et al. 2006 and the CASP qualitative checklist "
        "(CASP text CC BY-NC-SA; the report may be reproduced for private research and study)."
    ),
    questions=_questions([
        "Is there a clear statement of the research question and aims?",
        "Was the methodology appropriate for addressing the stated aims of the study?",
        "Was the recruitment strategy appropriate and was an adequate sample obtained to "
        "support the claims being made?",
        "Were the data collected in a way that addressed the research issue?",
        "Are the methods of data analysis appropriate to the subject matter?",
        "Is the description of the findings provided in enough detail and depth to allow "
        "interpretation of the meanings and context of what is being studied? [Are data "
        "presented to support interpretations, etc?]",
        "Are the conclusions/theoretical developments justified by the results?",
        "Have the limitations of the study and their impact on the findings been considered?",
        "Is the study reflexive? [Do authors consider the relationship between research and "
        "participants adequately and are ethical issues considered?]",
        "Do researchers discuss whether or how the findings can be transferred to other "
        "contexts or consider other ways in which the research may be used?",
    ]),
)  # fmt: skip

SEED_QUANTITATIVE = BuiltinChecklist(
    key="seed_quantitative",
    name="Quantitative studies (Smith et al. 2009)",
    design="quantitative",
    source_note=(
        "Hunter DJ et al., Partnership Working and the Implications for Governance, NIHR SDO "
        "2010, Figure 2; criteria from earlier reviews of complex public health interventions "
        "and guidance for non-randomised studies."
    ),
    questions=_questions([
        "Is the study prospective?",
        "Is there a representative sample?",
        "Is there an appropriate control group?",
        "Is the baseline response greater than 60%?",
        "Is the follow-up greater than 80% in a cohort study or greater than 60% in a "
        "cross-sectional study?",
        "Have the authors adjusted for non-response and dropout?",
        "Are the authors' conclusions substantiated by the data presented?",
        "Is there adjustment for confounders?",
        "Were the entire intervention group exposed to the intervention? Was there any "
        "contamination between the intervention and control groups?",
        "Were appropriate statistical tests used?",
    ]),
)  # fmt: skip

JBI_QUALITATIVE = BuiltinChecklist(
    key="jbi_qualitative",
    name="JBI Checklist for Qualitative Research",
    design="qualitative",
    source_note=(
        "JBI Critical Appraisal Checklist for Qualitative Research (Lockwood, Munn, Porritt "
        "2015), © JBI; check JBI's terms before commercial reuse."
    ),
    questions=_questions([
        "Is there congruity between the stated philosophical perspective and the research "
        "methodology?",
        "Is there congruity between the research methodology and the research question or "
        "objectives?",
        "Is there congruity between the research methodology and the methods used to "
        "collect data?",
        "Is there congruity between the research methodology and the representation and "
        "analysis of data?",
        "Is there congruity between the research methodology and the interpretation of "
        "results?",
        "Is there a statement locating the researcher culturally or theoretically?",
        "Is the influence of the researcher on the research, and vice-versa, addressed?",
        "Are participants, and their voices, adequately represented?",
        "Is the research ethical according to current criteria or, for recent studies, is "
        "there evidence of ethical approval by an appropriate body?",
        "Do the conclusions drawn in the research report flow from the analysis, or "
        "interpretation, of the data?",
    ], options=(YES, NO, UNCLEAR, NA)),
    fits="Qualitative studies",
    version="2017 (Lockwood, Munn, Porritt 2015)",
    licence="\u00a9 JBI",
)  # fmt: skip

from .library import LIBRARY  # noqa: E402  (the library builds on the helpers above)

BUILTIN: dict[str, BuiltinChecklist] = {
    c.key: c for c in (SEED_QUALITATIVE, SEED_QUANTITATIVE, JBI_QUALITATIVE, *LIBRARY)
}
