"""Word lists that fill the slots of the title and abstract templates in texts.py."""

from __future__ import annotations

# fmt: off
DESIGNS_T = [
    "a longitudinal before-and-after study", "a controlled before-and-after study",
    "findings from a mixed-methods evaluation", "a realist evaluation",
    "an analysis of routine data", "a qualitative study of residents' views",
    "results of a household survey", "a time series analysis", "a theory of change evaluation",
]

DESIGNS_P = [
    "a qualitative study", "findings from a national survey", "a case study",
    "an ethnographic study", "a realist evaluation", "interviews with partnership members",
    "a documentary analysis", "a comparative case study",
]

CONDITIONS = [
    "type 2 diabetes", "chronic obstructive pulmonary disease", "heart failure",
    "childhood asthma", "late-life depression", "schizophrenia", "chronic kidney disease",
    "atrial fibrillation", "stroke", "hip fracture", "osteoarthritis of the knee",
    "rheumatoid arthritis", "epilepsy", "dementia", "chronic low back pain", "hypertension",
    "venous leg ulcers", "Parkinson's disease", "cancer pain", "coronary heart disease",
]

INTERVENTIONS = [
    "shared care between general practitioners and specialists", "a nurse-led clinic",
    "an integrated care pathway", "a community pharmacy medicines review",
    "a hospital-at-home scheme", "telephone case management", "a specialist outreach service",
    "intermediate care", "a multidisciplinary rehabilitation programme",
    "collaborative care with case managers", "a structured education programme",
    "a practice-based pharmacist service",
]

DESIGNS_CLINICAL = [
    "a randomised controlled trial", "a cluster randomised trial", "a pragmatic randomised trial",
    "a cohort study", "a cost-effectiveness analysis", "a controlled trial",
]

CLINICAL_OUTCOMES = [
    "glycaemic control", "hospital readmission", "quality of life", "blood pressure control",
    "length of stay", "symptom control", "functional independence", "medication adherence",
]

INFECTIONS = [
    "tuberculosis", "MRSA", "Clostridium difficile", "hepatitis C", "hepatitis B", "chlamydia",
    "gonorrhoea", "HIV", "meningococcal disease", "measles", "mumps", "norovirus", "influenza",
    "E. coli O157", "Legionnaires' disease", "salmonella", "cryptosporidiosis", "pertussis",
]

INFECTION_SETTINGS = [
    "in prisons", "in care homes", "among injecting drug users", "in acute hospitals",
    "in schools", "among homeless people", "in general practice", "among asylum seekers",
    "in a university", "among men who have sex with men",
]

VACCINE_SETTINGS = [
    "in care homes", "among health care workers", "in schools", "among travellers",
    "in general practice", "among older people", "in deprived wards",
]

VACCINES = [
    "MMR vaccine", "influenza vaccine", "hepatitis B vaccine", "BCG vaccine",
]

INFECTION_PARTNERS = [
    "the prison health team", "the local education authority", "care home managers",
    "drug treatment services", "the university health service", "voluntary organisations",
]
# fmt: on
ABROAD = [
    ("Scotland", "Community Health Partnerships", ["Glasgow", "Edinburgh", "Dundee", "Fife"]),
    ("Wales", "local health alliances", ["Cardiff", "Swansea", "Gwynedd", "Newport"]),
    ("Northern Ireland", "Investing for Health partnerships", ["Belfast", "Derry", "Newry"]),
    ("Ireland", "RAPID area partnerships", ["Dublin", "Cork", "Limerick"]),
    ("Canada", "community health partnerships", ["Toronto", "Winnipeg", "Montreal", "Ontario"]),
    (
        "the United States",
        "community coalitions",
        ["Baltimore", "Chicago", "California", "New York City", "North Carolina"],
    ),
    (
        "Australia",
        "primary health care partnerships",
        ["Victoria", "New South Wales", "Queensland"],
    ),
    ("New Zealand", "Primary Health Organisations", ["Auckland", "Christchurch", "Wellington"]),
    ("Sweden", "local public health councils", ["Stockholm", "Gothenburg", "Malmo"]),
    ("the Netherlands", "local public health networks", ["Rotterdam", "Amsterdam", "Utrecht"]),
    ("South Africa", "community health partnerships", ["Cape Town", "Durban"]),
]
FOREIGN = [
    (
        "Germany",
        "German",
        ["Berlin", "Hamburg", "Bremen", "North Rhine-Westphalia"],
        "Gesundheitswesen",
    ),
    ("France", "French", ["Lyon", "Marseille", "Nantes", "Lille"], "Sante Publique"),
    (
        "France",
        "French",
        ["Rennes", "Grenoble", "Strasbourg"],
        "Revue d'Epidemiologie et de Sante Publique",
    ),
    ("Spain", "Spanish", ["Barcelona", "Madrid", "Andalusia", "Valencia"], "Gaceta Sanitaria"),
    (
        "the Netherlands",
        "Dutch",
        ["Utrecht", "Groningen", "Eindhoven"],
        "Tijdschrift voor Gezondheidswetenschappen",
    ),
    ("Italy", "Italian", ["Bologna", "Turin", "Emilia-Romagna"], "Annali di Igiene"),
    ("Sweden", "Swedish", ["Malmo", "Uppsala", "Vasterbotten"], "Lakartidningen"),
    ("Denmark", "Danish", ["Copenhagen", "Aarhus", "Odense"], "Ugeskrift for Laeger"),
]
# fmt: off
FOREIGN_TOPICS = [
    "health promotion networks", "the Healthy Cities programme", "prevention of childhood obesity",
    "reduction of social inequalities in health", "smoking prevention in schools",
    "intersectoral cooperation in public health", "community health conferences",
    "health promotion for older people", "prevention of alcohol misuse among young people",
    "regional health targets",
]

FOREIGN_SURNAMES = {
    "German": [
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    ],
    "French": [
        "Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard",
    ],
    "Spanish": [
        "García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Ruiz",
    ],
    "Dutch": [
        "de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "de Boer",
    ],
    "Italian": [
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo",
    ],
    "Swedish": [
        "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson",
    ],
    "Danish": [
        "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen",
    ],
}

FOREIGN_GIVEN = {
    "German": [
        "Anna", "Thomas", "Petra", "Michael", "Ulrike", "Klaus", "Jürgen",
    ],
    "French": [
        "Marie", "Jean", "Sophie", "Pierre", "Claire", "François",
    ],
    "Spanish": [
        "María", "José", "Carmen", "Antonio", "Laura", "Javier",
    ],
    "Dutch": [
        "Jan", "Anouk", "Pieter", "Marieke", "Henk", "Sanne",
    ],
    "Italian": [
        "Giulia", "Marco", "Francesca", "Luca", "Paola", "Giovanni",
    ],
    "Swedish": [
        "Anna", "Lars", "Karin", "Erik", "Ingrid", "Per",
    ],
    "Danish": [
        "Mette", "Lars", "Anne", "Søren", "Henrik", "Lone",
    ],
}

OLD_PROGRAMS = [
    "Healthy Cities project", "Health for All initiative", "Healthy Alliances scheme",
    "Look After Your Heart partnership", "City Challenge health strand",
    "Health of the Nation alliance", "Joint Finance health promotion scheme",
]

RHETORIC = [
    "the emperor's new clothes?", "a critique", "a view from the front line",
    "rhetoric or reality?", "time for a rethink", "some reflections", "a conceptual framework",
    "lessons for policy makers", "more than the sum of the parts?", "a marriage of convenience?",
    "a personal view", "promise and performance", "too many cooks?",
]

LABELS = [
    "Editorial", "Commentary", "Viewpoint", "Debate", "Personal view", "Guest editorial",
]

NEEDS = [
    "clearer accountability", "a statutory basis", "stable funding", "fewer targets",
    "better evidence", "stronger community voice", "time to mature", "shared budgets",
]

CONCEPTS = [
    "collaborative advantage in public health", "network governance and health",
    "partnership synergy", "whole-systems working", "joined-up government for health",
    "collaborative inertia", "inter-organisational trust", "meta-governance",
]
# fmt: on
UNRELATED = [
    (
        "the Private Finance Initiative in hospital building",
        "finance directors",
        "the speed of capital investment",
        ["Private Finance Initiative", "hospital building"],
    ),
    (
        "partnerships between universities and NHS trusts in pre-registration nurse education",
        "nursing students",
        "the quality of practice placements",
        ["nurse education"],
    ),
    (
        "patient partnership in decisions about medicines",
        "patients",
        "patients' satisfaction with consultations",
        ["patient participation", "prescribing"],
    ),
    (
        "partnership working in town-centre regeneration",
        "local business representatives",
        "the local economy",
        ["regeneration", "local economy"],
    ),
    (
        "partnership agreements between NHS employers and trade unions",
        "staff representatives",
        "industrial relations",
        ["trade unions", "employment relations"],
    ),
    (
        "partnerships between acute trusts and independent treatment centres",
        "clinicians",
        "waiting times for elective surgery",
        ["independent sector", "elective surgery"],
    ),
    (
        "learning partnerships for continuing professional development",
        "practice nurses",
        "access to training",
        ["continuing professional development"],
    ),
    (
        "research partnerships between universities and primary care trusts",
        "researchers",
        "research capacity",
        ["research capacity"],
    ),
    (
        "partnerships between hospices and acute hospitals in palliative care",
        "ward nurses",
        "continuity of care",
        ["palliative care"],
    ),
    (
        "partnerships between schools and further education colleges",
        "teachers",
        "student progression",
        ["further education"],
    ),
    (
        "public-private partnerships for NHS information technology",
        "IT managers",
        "the implementation of electronic records",
        ["information technology"],
    ),
    (
        "joint ventures between NHS trusts and commercial pathology providers",
        "laboratory managers",
        "turnaround times",
        ["pathology services"],
    ),
    ("partnership in practice nursing", "practice nurses", "team working", ["practice nursing"]),
]
# fmt: off
REPORT_SUFFIXES = [
    ": final report", ": interim evaluation report", ": a briefing paper", ": evaluation report",
    ": report to the partnership board",
]
# fmt: on
