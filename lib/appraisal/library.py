"""The library of appraisal tools (see `checklists`): structure, scales, algorithms, source,
version and licence. Item labels are short paraphrases written for Sift (the tools' own
wording is copyrighted and, for most, licensed without derivatives or for non-commercial
use only): each tool's note says where the official wording and guidance are."""

from __future__ import annotations

from . import answers as a
from .checklists import BuiltinChecklist, _domains, _note, _sections

YCN = a.SCALES["yes_no_ct"]  # CASP, MMAT: Yes / No / Can't tell
JBI = a.SCALES["yes_no_unclear"]  # JBI: Yes / No / Unclear / Not applicable
SIG = a.SCALES["signalling"]
SIG_NA = a.SCALES["signalling_na"]
TEXT = "text"

# --- risk of bias ---------------------------------------------------------------------------

_ROB2_DOMAINS, _ROB2_QUESTIONS = _domains([
    ("D1", "Bias arising from the randomization process", [
        ("1.1", "Was the allocation sequence random?", SIG),
        ("1.2", "Was the allocation sequence concealed until enrolment and assignment?", SIG),
        ("1.3", "Did baseline differences suggest a problem with randomization?", SIG),
    ]),
    ("D2", "Bias due to deviations from intended interventions", [
        ("2.1", "Were participants aware of their assigned intervention?", SIG),
        ("2.2", "Were carers and people delivering the interventions aware of it?", SIG),
        ("2.3", "If 2.1 or 2.2 Y/PY/NI: deviations arising because of the trial context?"),
        ("2.4", "If 2.3 Y/PY: were these deviations likely to have affected the outcome?"),
        ("2.5", "If 2.4 Y/PY/NI: were these deviations balanced between groups?"),
        ("2.6", "Was an appropriate analysis used to estimate the effect of assignment?", SIG),
        ("2.7", "If 2.6 N/PN/NI: could failing to analyse participants as randomized have "
                "had a substantial impact on the result?"),
    ]),
    ("D3", "Bias due to missing outcome data", [
        ("3.1", "Were outcome data available for all or nearly all randomized participants?",
         SIG),
        ("3.2", "If 3.1 N/PN/NI: is there evidence the result was not biased by missing data?"),
        ("3.3", "If 3.2 N/PN: could missingness in the outcome depend on its true value?"),
        ("3.4", "If 3.3 Y/PY/NI: is it likely that missingness depended on its true value?"),
    ]),
    ("D4", "Bias in measurement of the outcome", [
        ("4.1", "Was the method of measuring the outcome inappropriate?", SIG),
        ("4.2", "Could measurement or ascertainment of the outcome differ between groups?",
         SIG),
        ("4.3", "Were outcome assessors aware of the intervention received?", SIG_NA),
        ("4.4", "If 4.3 Y/PY/NI: could the assessment have been influenced by that "
                "knowledge?"),
        ("4.5", "If 4.4 Y/PY/NI: is it likely that it was?"),
    ]),
    ("D5", "Bias in selection of the reported result", [
        ("5.1", "Was the analysis done as pre-specified before unblinded outcome data were "
                "available?", SIG),
        ("5.2", "Was the result likely selected from multiple eligible outcome measurements?",
         SIG),
        ("5.3", "Was the result likely selected from multiple eligible analyses?", SIG),
    ]),
], SIG_NA, a.SCALES["rob2"], tool="rob2")  # fmt: skip

ROB2 = BuiltinChecklist(
    key="rob2",
    name="RoB 2 (randomised, parallel group)",
    design="",
    fits="Randomised trials, individually randomised, parallel group (effect of assignment)",
    version="22 August 2019",
    licence="CC BY-NC-ND 4.0",
    wording_url="https://www.riskofbias.info/welcome/rob-2-0-tool",
    source_note=_note(
        "Sterne JAC, Savovi\u0107 J, Page MJ, et al. RoB 2: a revised tool for assessing risk "
        "of bias in randomised trials. BMJ 2019;366:l4898.", "22 August 2019",
        "CC BY-NC-ND 4.0 (no derivatives: the wording is not shipped).",
        "https://www.riskofbias.info/welcome/rob-2-0-tool",
    ),
    questions=_ROB2_QUESTIONS,
    domains=_ROB2_DOMAINS,
    judgements=a.SCALES["rob2"],
    tool="rob2",
)  # fmt: skip

_ROBINS_DOMAINS, _ROBINS_QUESTIONS = _domains([
    ("D1", "Bias due to confounding", [
        ("1.1", "Is there potential for confounding of the effect of intervention?"),
        ("1.2", "Was the analysis based on splitting follow-up time by intervention received?"),
        ("1.3", "Were discontinuations or switches likely related to prognostic factors?"),
        ("1.4", "Did the analysis control for all important confounding domains?"),
        ("1.5", "Were the confounding domains measured validly and reliably?"),
        ("1.6", "Did the analysis control for post-intervention variables the intervention "
                "could affect?"),
        ("1.7", "Were appropriate methods used to control for time-varying confounding?"),
        ("1.8", "Were the time-varying confounding domains measured validly and reliably?"),
    ]),
    ("D2", "Bias in selection of participants into the study", [
        ("2.1", "Was selection based on characteristics observed after the intervention "
                "started?"),
        ("2.2", "Were those post-intervention variables associated with the intervention?"),
        ("2.3", "Were they influenced by the outcome or a cause of the outcome?"),
        ("2.4", "Do start of follow-up and start of intervention coincide for most "
                "participants?"),
        ("2.5", "Were adjustment techniques used that are likely to correct for selection "
                "biases?"),
    ]),
    ("D3", "Bias in classification of interventions", [
        ("3.1", "Were the intervention groups clearly defined?"),
        ("3.2", "Was the information defining the groups recorded at the start of the "
                "intervention?"),
        ("3.3", "Could classification have been affected by knowledge of the outcome?"),
    ]),
    ("D4", "Bias due to deviations from intended interventions", [
        ("4.1", "Were there deviations beyond what is expected in usual practice?"),
        ("4.2", "Were they unbalanced between groups and likely to affect the outcome?"),
        ("4.3", "Were important co-interventions balanced across groups?"),
        ("4.4", "Was the intervention implemented successfully for most participants?"),
        ("4.5", "Did participants adhere to the assigned regimen?"),
        ("4.6", "Was an appropriate analysis used to estimate the effect of starting and "
                "adhering?"),
    ]),
    ("D5", "Bias due to missing data", [
        ("5.1", "Were outcome data available for all or nearly all participants?"),
        ("5.2", "Were participants excluded for missing data on intervention status?"),
        ("5.3", "Were participants excluded for missing data on other variables needed?"),
        ("5.4", "Are the proportions and reasons for missing data similar across groups?"),
        ("5.5", "Is there evidence that the results were robust to missing data?"),
    ]),
    ("D6", "Bias in measurement of outcomes", [
        ("6.1", "Could the outcome measure have been influenced by knowledge of the "
                "intervention?"),
        ("6.2", "Were outcome assessors aware of the intervention received?"),
        ("6.3", "Were the methods of outcome assessment comparable across groups?"),
        ("6.4", "Were there systematic errors in measurement related to the intervention?"),
    ]),
    ("D7", "Bias in selection of the reported result", [
        ("7.1", "Was the result likely selected from multiple outcome measurements?"),
        ("7.2", "... from multiple analyses of the intervention-outcome relationship?"),
        ("7.3", "... from different subgroups?"),
    ]),
], SIG_NA, a.SCALES["robins_i"])  # fmt: skip

ROBINS_I = BuiltinChecklist(
    key="robins_i",
    name="ROBINS-I (non-randomised studies of interventions)",
    design="",
    fits="Non-randomised studies of interventions (cohort, case-control, controlled before-"
    "after...)",
    version="19 September 2016",
    licence="CC BY-NC-ND 4.0",
    wording_url="https://www.riskofbias.info/welcome/home/current-version-of-robins-i",
    source_note=_note(
        "Sterne JAC, Hern\u00e1n MA, Reeves BC, et al. ROBINS-I: a tool for assessing risk of "
        "bias in non-randomised studies of interventions. BMJ 2016;355:i4919. The 2016 tool "
        "judges domains by the reviewer (no published domain algorithm); the overall "
        "judgement follows its Table 3.", "19 September 2016",
        "CC BY-NC-ND 4.0 (no derivatives: the wording is not shipped).",
        "https://www.riskofbias.info/welcome/home/current-version-of-robins-i",
    ),
    questions=_ROBINS_QUESTIONS,
    domains=_ROBINS_DOMAINS,
    judgements=a.SCALES["robins_i"],
    tool="robins_i",
)  # fmt: skip

# --- CASP -----------------------------------------------------------------------------------

_CASP_URL = "https://casp-uk.net/casp-tools-checklists/"
_CASP_LICENCE = (
    "CC BY-NC-SA 4.0 (\u00a9 CASP UK; non-commercial use, attribution): labels here are "
    "short forms; use the official checklist's wording and hints."
)


def _casp(key, name, fits, version, parts) -> BuiltinChecklist:
    return BuiltinChecklist(
        key=key, name=name, design="", fits=fits, version=version, licence="CC BY-NC-SA 4.0",
        wording_url=_CASP_URL,
        source_note=_note(f"Critical Appraisal Skills Programme (CASP), {name}.", version,
                          _CASP_LICENCE, _CASP_URL),
        questions=_sections(parts, YCN),
    )  # fmt: skip


CASP_QUALITATIVE = _casp("casp_qualitative", "CASP Qualitative Studies Checklist",
                         "Qualitative studies", "2018", [
    ("A: Are the results valid?", [
        ("Q1", "Was there a clear statement of the aims of the research?"),
        ("Q2", "Is a qualitative methodology appropriate?"),
        ("Q3", "Was the research design appropriate to address the aims?"),
        ("Q4", "Was the recruitment strategy appropriate to the aims?"),
        ("Q5", "Were the data collected in a way that addressed the research issue?"),
        ("Q6", "Has the researcher-participant relationship been adequately considered?"),
    ]),
    ("B: What are the results?", [
        ("Q7", "Have ethical issues been taken into consideration?"),
        ("Q8", "Was the data analysis sufficiently rigorous?"),
        ("Q9", "Is there a clear statement of findings?"),
    ]),
    ("C: Will the results help locally?", [("Q10", "How valuable is the research?", TEXT)]),
])  # fmt: skip

CASP_RCT = _casp("casp_rct", "CASP Randomised Controlled Trials Checklist",
                 "Randomised controlled trials", "2020", [
    ("A: Is the basic study design valid?", [
        ("Q1", "Did the study address a clearly focused research question?"),
        ("Q2", "Was the assignment of participants to interventions randomised?"),
        ("Q3", "Were all participants accounted for at the conclusion?"),
    ]),
    ("B: Was the study methodologically sound?", [
        ("Q4", "Were participants, investigators and assessors blind to the intervention?"),
        ("Q5", "Were the study groups similar at the start?"),
        ("Q6", "Apart from the intervention, did each group receive the same care?"),
    ]),
    ("C: What are the results?", [
        ("Q7", "Were the effects of the intervention reported comprehensively?"),
        ("Q8", "Was the precision of the estimate of the effect reported?"),
        ("Q9", "Do the benefits of the intervention outweigh the harms and costs?"),
    ]),
    ("D: Will the results help locally?", [
        ("Q10", "Can the results be applied to your local population or context?"),
        ("Q11", "Would the intervention provide greater value than existing ones?"),
    ]),
])  # fmt: skip

CASP_COHORT = _casp("casp_cohort", "CASP Cohort Study Checklist", "Cohort studies", "2018", [
    ("A: Are the results valid?", [
        ("Q1", "Did the study address a clearly focused issue?"),
        ("Q2", "Was the cohort recruited in an acceptable way?"),
        ("Q3", "Was the exposure accurately measured to minimise bias?"),
        ("Q4", "Was the outcome accurately measured to minimise bias?"),
        ("Q5a", "Have the authors identified all important confounding factors?"),
        ("Q5b", "Have they taken account of the confounding factors in design or analysis?"),
        ("Q6a", "Was the follow-up of subjects complete enough?"),
        ("Q6b", "Was the follow-up of subjects long enough?"),
    ]),
    ("B: What are the results?", [
        ("Q7", "What are the results of this study?", TEXT),
        ("Q8", "How precise are the results?", TEXT),
        ("Q9", "Do you believe the results?"),
    ]),
    ("C: Will the results help locally?", [
        ("Q10", "Can the results be applied to the local population?"),
        ("Q11", "Do the results fit with other available evidence?"),
        ("Q12", "What are the implications of this study for practice?", TEXT),
    ]),
])  # fmt: skip

CASP_CASE_CONTROL = _casp("casp_case_control", "CASP Case Control Study Checklist",
                          "Case-control studies", "2018", [
    ("A: Are the results valid?", [
        ("Q1", "Did the study address a clearly focused issue?"),
        ("Q2", "Did the authors use an appropriate method to answer their question?"),
        ("Q3", "Were the cases recruited in an acceptable way?"),
        ("Q4", "Were the controls selected in an acceptable way?"),
        ("Q5", "Was the exposure accurately measured to minimise bias?"),
        ("Q6a", "Aside from the exposure, were the groups treated equally?"),
        ("Q6b", "Have the authors accounted for potential confounding factors?"),
    ]),
    ("B: What are the results?", [
        ("Q7", "How large was the effect?", TEXT),
        ("Q8", "How precise was the estimate of the effect?", TEXT),
        ("Q9", "Do you believe the results?"),
    ]),
    ("C: Will the results help locally?", [
        ("Q10", "Can the results be applied to the local population?"),
        ("Q11", "Do the results fit with other available evidence?"),
    ]),
])  # fmt: skip

CASP_SYSTEMATIC_REVIEW = _casp("casp_systematic_review", "CASP Systematic Review Checklist",
                               "Systematic reviews", "2018", [
    ("A: Are the results valid?", [
        ("Q1", "Did the review address a clearly focused question?"),
        ("Q2", "Did the authors look for the right type of papers?"),
        ("Q3", "Do you think all the important, relevant studies were included?"),
        ("Q4", "Did the authors do enough to assess the quality of the included studies?"),
        ("Q5", "If the results were combined, was it reasonable to do so?"),
    ]),
    ("B: What are the results?", [
        ("Q6", "What are the overall results of the review?", TEXT),
        ("Q7", "How precise are the results?", TEXT),
    ]),
    ("C: Will the results help locally?", [
        ("Q8", "Can the results be applied to the local population?"),
        ("Q9", "Were all important outcomes considered?"),
        ("Q10", "Are the benefits worth the harms and costs?"),
    ]),
])  # fmt: skip

# --- JBI --------------------------------------------------------------------------------------

_JBI_URL = "https://jbi.global/critical-appraisal-tools"
_JBI_LICENCE = "\u00a9 JBI, all rights reserved (free to use; the wording is not shipped)."


def _jbi(key, name, fits, version, labels) -> BuiltinChecklist:
    return BuiltinChecklist(
        key=key, name=name, design="", fits=fits, version=version, licence="\u00a9 JBI",
        wording_url=_JBI_URL,
        source_note=_note(f"JBI, {name}.", version, _JBI_LICENCE, _JBI_URL),
        questions=_sections([("", [(f"Q{n}", t) for n, t in enumerate(labels, 1)])], JBI),
    )  # fmt: skip


JBI_RCT = _jbi("jbi_rct", "JBI Checklist for Randomized Controlled Trials",
               "Randomised controlled trials", "2017", [
    "Was true randomization used for assignment to groups?",
    "Was allocation to groups concealed?",
    "Were the groups similar at baseline?",
    "Were participants blind to treatment assignment?",
    "Were those delivering treatment blind to assignment?",
    "Were outcome assessors blind to assignment?",
    "Apart from the intervention, were the groups treated identically?",
    "Was follow-up complete, or differences in follow-up described and analysed?",
    "Were participants analysed in the groups they were randomized to?",
    "Were outcomes measured in the same way for the groups?",
    "Were outcomes measured reliably?",
    "Was appropriate statistical analysis used?",
    "Was the trial design appropriate, and deviations from the standard RCT design "
    "accounted for?",
])  # fmt: skip

JBI_COHORT = _jbi("jbi_cohort", "JBI Checklist for Cohort Studies", "Cohort studies", "2017", [
    "Were the groups similar and recruited from the same population?",
    "Were the exposures measured similarly in both groups?",
    "Was the exposure measured validly and reliably?",
    "Were confounding factors identified?",
    "Were strategies to deal with confounding stated?",
    "Were participants free of the outcome at the start?",
    "Were the outcomes measured validly and reliably?",
    "Was the follow-up time reported and long enough for outcomes to occur?",
    "Was follow-up complete, and if not, were the reasons described and explored?",
    "Were strategies to address incomplete follow-up used?",
    "Was appropriate statistical analysis used?",
])  # fmt: skip

JBI_CASE_CONTROL = _jbi("jbi_case_control", "JBI Checklist for Case Control Studies",
                        "Case-control studies", "2017", [
    "Were the groups comparable other than the presence of disease in cases?",
    "Were cases and controls matched appropriately?",
    "Were the same criteria used to identify cases and controls?",
    "Was exposure measured in a standard, valid and reliable way?",
    "Was exposure measured in the same way for cases and controls?",
    "Were confounding factors identified?",
    "Were strategies to deal with confounding stated?",
    "Were outcomes assessed in a standard, valid and reliable way?",
    "Was the exposure period of interest long enough to be meaningful?",
    "Was appropriate statistical analysis used?",
])  # fmt: skip

JBI_CROSS_SECTIONAL = _jbi("jbi_cross_sectional",
                           "JBI Checklist for Analytical Cross Sectional Studies",
                           "Analytical cross-sectional studies", "2017", [
    "Were the criteria for inclusion clearly defined?",
    "Were the subjects and setting described in detail?",
    "Was the exposure measured validly and reliably?",
    "Were objective, standard criteria used to measure the condition?",
    "Were confounding factors identified?",
    "Were strategies to deal with confounding stated?",
    "Were the outcomes measured validly and reliably?",
    "Was appropriate statistical analysis used?",
])  # fmt: skip

JBI_QUASI_EXPERIMENTAL = _jbi("jbi_quasi_experimental",
                              "JBI Checklist for Quasi-Experimental Studies",
                              "Quasi-experimental (non-randomised) studies", "2017", [
    "Is it clear what is the cause and what is the effect?",
    "Were participants in any comparisons similar?",
    "Apart from the intervention, did the groups receive similar care?",
    "Was there a control group?",
    "Were there multiple measurements of the outcome before and after?",
    "Was follow-up complete, or differences in follow-up described and analysed?",
    "Were outcomes measured in the same way in any comparisons?",
    "Were outcomes measured reliably?",
    "Was appropriate statistical analysis used?",
])  # fmt: skip

JBI_PREVALENCE = _jbi("jbi_prevalence", "JBI Checklist for Prevalence Studies",
                      "Prevalence studies", "2017", [
    "Was the sample frame appropriate to address the target population?",
    "Were participants sampled appropriately?",
    "Was the sample size adequate?",
    "Were the subjects and setting described in detail?",
    "Was the data analysis conducted with sufficient coverage of the sample?",
    "Were valid methods used to identify the condition?",
    "Was the condition measured in a standard, reliable way for all participants?",
    "Was there appropriate statistical analysis?",
    "Was the response rate adequate, and if not, was a low response managed well?",
])  # fmt: skip

# --- MMAT, Newcastle-Ottawa, AMSTAR 2 ---------------------------------------------------------

_MMAT_URL = "http://mixedmethodsappraisaltoolpublic.pbworks.com"
MMAT = BuiltinChecklist(
    key="mmat_2018",
    name="MMAT 2018 (Mixed Methods Appraisal Tool)",
    design="",
    fits="Mixed-methods reviews: qualitative, randomised, non-randomised, quantitative "
    "descriptive and mixed-methods studies (answer the screening questions and the "
    "category of the study's design; leave the others blank)",
    version="2018",
    licence="Registered copyright (#1148552), McGill University; free to use",
    wording_url=_MMAT_URL,
    source_note=_note(
        "Hong QN, F\u00e0bregues S, Bartlett G, et al. The Mixed Methods Appraisal Tool (MMAT) "
        "version 2018. Education for Information 2018;34:285-291. The MMAT discourages an "
        "overall score: none is computed.", "2018",
        "registered copyright #1148552, McGill University; the tool is free to use.", _MMAT_URL,
    ),
    questions=_sections([
        ("Screening questions (all types)", [
            ("S1", "Are there clear research questions?"),
            ("S2", "Do the collected data allow the research questions to be addressed?"),
        ]),
        ("1. Qualitative", [
            ("1.1", "Is the qualitative approach appropriate to the research question?"),
            ("1.2", "Are the data collection methods adequate?"),
            ("1.3", "Are the findings adequately derived from the data?"),
            ("1.4", "Is the interpretation sufficiently substantiated by data?"),
            ("1.5", "Is there coherence between sources, collection, analysis and "
                    "interpretation?"),
        ]),
        ("2. Quantitative randomized controlled trials", [
            ("2.1", "Is randomization appropriately performed?"),
            ("2.2", "Are the groups comparable at baseline?"),
            ("2.3", "Are there complete outcome data?"),
            ("2.4", "Are outcome assessors blinded to the intervention?"),
            ("2.5", "Did the participants adhere to the assigned intervention?"),
        ]),
        ("3. Quantitative non-randomized", [
            ("3.1", "Are the participants representative of the target population?"),
            ("3.2", "Are measurements appropriate (outcome and intervention or exposure)?"),
            ("3.3", "Are there complete outcome data?"),
            ("3.4", "Are the confounders accounted for in the design and analysis?"),
            ("3.5", "Was the intervention administered (exposure occurred) as intended?"),
        ]),
        ("4. Quantitative descriptive", [
            ("4.1", "Is the sampling strategy relevant to the research question?"),
            ("4.2", "Is the sample representative of the target population?"),
            ("4.3", "Are the measurements appropriate?"),
            ("4.4", "Is the risk of nonresponse bias low?"),
            ("4.5", "Is the statistical analysis appropriate to the research question?"),
        ]),
        ("5. Mixed methods", [
            ("5.1", "Is there an adequate rationale for using a mixed methods design?"),
            ("5.2", "Are the different components effectively integrated?"),
            ("5.3", "Are the outputs of the integration adequately interpreted?"),
            ("5.4", "Are divergences and inconsistencies between the components addressed?"),
            ("5.5", "Do the components adhere to the quality criteria of each tradition?"),
        ]),
    ], YCN),
)  # fmt: skip

_NOS_URL = "https://www.ohri.ca/programs/clinical_epidemiology/oxford.asp"
_STARS, _STARS2 = a.SCALES["stars"], a.SCALES["stars2"]


def _nos(key, name, fits, parts) -> BuiltinChecklist:
    return BuiltinChecklist(
        key=key, name=name, design="", fits=fits, version="2000 (web version)",
        licence="\u00a9 Wells, Shea, O'Connell et al.", wording_url=_NOS_URL,
        source_note=_note(
            "Wells GA, Shea B, O'Connell D, et al. The Newcastle-Ottawa Scale (NOS) for "
            "assessing the quality of nonrandomised studies in meta-analyses. Stars are "
            "shown per item; no total is computed.", "2000 (web version)",
            "\u00a9 the authors, free to use (the coding manual's wording is not shipped).",
            _NOS_URL,
        ),
        questions=_sections(parts, _STARS),
    )  # fmt: skip


NOS_COHORT = _nos("nos_cohort", "Newcastle-Ottawa Scale: cohort studies", "Cohort studies", [
    ("Selection", [
        ("S1", "Representativeness of the exposed cohort"),
        ("S2", "Selection of the non-exposed cohort"),
        ("S3", "Ascertainment of exposure"),
        ("S4", "Outcome of interest not present at the start of the study"),
    ]),
    ("Comparability", [("C1", "Comparability of cohorts by design or analysis", _STARS2)]),
    ("Outcome", [
        ("O1", "Assessment of outcome"),
        ("O2", "Follow-up long enough for outcomes to occur"),
        ("O3", "Adequacy of follow-up of cohorts"),
    ]),
])  # fmt: skip

NOS_CASE_CONTROL = _nos("nos_case_control", "Newcastle-Ottawa Scale: case-control studies",
                        "Case-control studies", [
    ("Selection", [
        ("S1", "Is the case definition adequate?"),
        ("S2", "Representativeness of the cases"),
        ("S3", "Selection of controls"),
        ("S4", "Definition of controls"),
    ]),
    ("Comparability", [("C1", "Comparability of cases and controls by design or analysis",
                        _STARS2)]),
    ("Exposure", [
        ("E1", "Ascertainment of exposure"),
        ("E2", "Same method of ascertainment for cases and controls"),
        ("E3", "Non-response rate"),
    ]),
])  # fmt: skip

_AMSTAR_URL = "https://amstar.ca/Amstar-2.php"
_YPN, _YN = a.SCALES["amstar"], a.SCALES["amstar_yn"]
_ROB, _MA = a.SCALES["amstar_rob"], a.SCALES["amstar_ma"]
AMSTAR2 = BuiltinChecklist(
    key="amstar2",
    name="AMSTAR 2 (systematic reviews)",
    design="",
    fits="Systematic reviews of randomised and non-randomised studies of healthcare "
    "interventions",
    version="2017",
    licence="CC BY-NC 4.0 (BMJ article)",
    wording_url=_AMSTAR_URL,
    source_note=_note(
        "Shea BJ, Reeves BC, Wells G, et al. AMSTAR 2: a critical appraisal tool for "
        "systematic reviews. BMJ 2017;358:j4008. Critical items: 2, 4, 7, 9, 11, 13, 15; the "
        "overall confidence is suggested by Box 2's rule.", "2017",
        "CC BY-NC 4.0 (the article); short labels here.", _AMSTAR_URL,
    ),
    questions=_sections([("", [
        ("1", "Did the research questions and inclusion criteria include PICO?", _YN),
        ("2", "Were the methods established before the review, deviations justified? "
              "(critical)", _YPN),
        ("3", "Did the authors explain their selection of study designs?", _YN),
        ("4", "Was the literature search comprehensive? (critical)", _YPN),
        ("5", "Was study selection performed in duplicate?", _YN),
        ("6", "Was data extraction performed in duplicate?", _YN),
        ("7", "Was a list of excluded studies given, with reasons? (critical)", _YPN),
        ("8", "Were the included studies described in adequate detail?", _YPN),
        ("9a", "Was risk of bias in RCTs assessed with a satisfactory technique? (critical)",
         _ROB),
        ("9b", "Was risk of bias in NRSI assessed with a satisfactory technique? (critical)",
         _ROB),
        ("10", "Were the sources of funding of the included studies reported?", _YN),
        ("11a", "RCTs: appropriate methods for statistical combination? (critical)", _MA),
        ("11b", "NRSI: appropriate methods for statistical combination? (critical)", _MA),
        ("12", "Was the impact of risk of bias on the meta-analysis assessed?", _MA),
        ("13", "Was risk of bias accounted for when interpreting results? (critical)", _YN),
        ("14", "Was heterogeneity explained and discussed satisfactorily?", _YN),
        ("15", "Was publication bias investigated and discussed? (critical)", _MA),
        ("16", "Were conflicts of interest, including funding, reported?", _YN),
    ])], _YN),
    judgements=a.SCALES["amstar_confidence"],
    tool="amstar2",
)  # fmt: skip

LIBRARY = (
    ROB2, ROBINS_I, CASP_QUALITATIVE, CASP_RCT, CASP_COHORT, CASP_CASE_CONTROL,
    CASP_SYSTEMATIC_REVIEW, JBI_RCT, JBI_COHORT, JBI_CASE_CONTROL, JBI_CROSS_SECTIONAL,
    JBI_QUASI_EXPERIMENTAL, JBI_PREVALENCE, MMAT, NOS_COHORT, NOS_CASE_CONTROL, AMSTAR2,
)  # fmt: skip
