"""Word lists for the demo papers: places, partnerships, outcomes, journals, people."""

from __future__ import annotations

from dataclasses import dataclass

# fmt: off
PLACES = [
    "Sheffield", "Manchester", "Liverpool", "Newcastle upon Tyne", "Sunderland", "Bradford",
    "Leeds", "Birmingham", "Nottingham", "Leicester", "Bristol", "Plymouth", "Tower Hamlets",
    "Hackney", "Lambeth", "Southwark", "Newham", "Salford", "Tees Valley", "County Durham",
    "Walsall", "Wolverhampton", "Luton", "Hull", "Middlesbrough", "Gateshead", "Stockport",
    "Barnsley", "Doncaster", "Cornwall", "Northumberland", "Lewisham", "Camden", "Islington",
    "Kirklees", "Wakefield", "Rotherham", "Knowsley", "Sandwell", "Coventry", "Derby",
    "Stoke-on-Trent", "Blackburn", "Oldham", "Rochdale", "Hartlepool", "South Tyneside",
    "Haringey", "Brent", "Norwich", "Great Yarmouth", "Hastings", "Southampton", "Portsmouth",
    "Bolton", "Wigan", "St Helens", "Redcar and Cleveland", "Easington", "Peterborough",
]

REGIONS = [
    "the North East", "the North West", "Yorkshire and the Humber", "the East Midlands",
    "the West Midlands", "London", "the South West", "the East of England", "the South East",
]
# fmt: on


@dataclass(frozen=True, slots=True)
class Partnership:
    plural: str  # used in titles and general sentences
    single: str  # one local instance; "{place}" is filled in
    keyword: str
    start: int  # first year a paper about it could appear
    end: int = 2008  # last year a paper about it would appear
    outcomes: tuple[str, ...] = ()  # keywords of the outcomes it targets; () = any


PARTNERSHIPS = [
    Partnership(
        "Health Action Zones", "the {place} Health Action Zone", "Health Action Zones", 1999
    ),
    Partnership(
        "Local Strategic Partnerships",
        "the {place} Local Strategic Partnership",
        "Local Strategic Partnerships",
        2002,
    ),
    Partnership(
        "Neighbourhood Renewal partnerships",
        "the {place} Neighbourhood Renewal partnership",
        "neighbourhood renewal",
        2002,
    ),
    Partnership(
        "Health Improvement Programmes",
        "the {place} Health Improvement Programme",
        "Health Improvement Programmes",
        1999,
        2004,
    ),
    Partnership(
        "Sure Start local programmes",
        "Sure Start {place}",
        "Sure Start",
        2000,
        outcomes=("breast feeding", "birth weight", "oral health", "infant mortality", "smoking"),
    ),
    Partnership(
        "Healthy Living Centres",
        "a Healthy Living Centre in {place}",
        "Healthy Living Centres",
        2000,
    ),
    Partnership("Healthy Cities", "{place} Healthy City", "Healthy Cities", 1999),
    Partnership(
        "New Deal for Communities partnerships",
        "the {place} New Deal for Communities partnership",
        "New Deal for Communities",
        2000,
    ),
    Partnership(
        "teenage pregnancy partnership boards",
        "the {place} teenage pregnancy partnership board",
        "teenage pregnancy strategy",
        2001,
        outcomes=("teenage pregnancy",),
    ),
    Partnership(
        "Drug Action Teams",
        "the {place} Drug Action Team",
        "Drug Action Teams",
        1998,
        outcomes=("substance misuse", "alcohol"),
    ),
    Partnership(
        "Children's Trusts",
        "{place} Children's Trust",
        "Children's Trusts",
        2005,
        outcomes=("obesity", "teenage pregnancy", "oral health", "injury prevention"),
    ),
    Partnership(
        "Local Area Agreements", "the {place} Local Area Agreement", "Local Area Agreements", 2006
    ),
    Partnership(
        "joint public health appointments",
        "the joint public health appointments in {place}",
        "joint appointments",
        2002,
    ),
    Partnership(
        "Healthy Schools partnerships",
        "the {place} Healthy Schools partnership",
        "Healthy Schools",
        2000,
        outcomes=("obesity", "diet", "physical activity", "teenage pregnancy"),
    ),
    Partnership(
        "Crime and Disorder Reduction Partnerships",
        "the {place} Crime and Disorder Reduction Partnership",
        "community safety",
        2000,
        outcomes=("alcohol", "substance misuse", "injury prevention"),
    ),
    Partnership(
        "Spearhead area partnerships",
        "the {place} Spearhead partnership",
        "Spearhead areas",
        2005,
    ),
    Partnership(
        "NHS Stop Smoking Service partnerships",
        "the {place} Stop Smoking Service partnership",
        "stop smoking services",
        2001,
        outcomes=("smoking", "smoking cessation"),
    ),
    Partnership(
        "Single Regeneration Budget partnerships",
        "the {place} Single Regeneration Budget partnership",
        "urban regeneration",
        1998,
        2006,
    ),
    Partnership("Care Trusts", "{place} Care Trust", "Care Trusts", 2003),
    Partnership(
        "Local Exercise Action Pilots",
        "the {place} Local Exercise Action Pilot",
        "physical activity promotion",
        2004,
        outcomes=("physical activity", "obesity"),
    ),
    Partnership(
        "health and well-being partnerships",
        "the {place} health and well-being partnership",
        "health and well-being",
        2003,
    ),
    Partnership(
        "primary care trust and local authority partnerships",
        "the partnership between {place} primary care trust and council",
        "joint working",
        2002,
    ),
]


@dataclass(frozen=True, slots=True)
class Outcome:
    phrase: str
    indicator: str
    keyword: str
    harmful: bool = True  # a partnership would aim to reduce it (and its indicator)


OUTCOMES = [
    Outcome("health inequalities", "the gap in all-age all-cause mortality", "health inequalities"),
    Outcome("teenage conceptions", "the under-18 conception rate", "teenage pregnancy"),
    Outcome("smoking prevalence", "adult smoking prevalence", "smoking"),
    Outcome("smoking cessation", "four-week quit rates", "smoking cessation", harmful=False),
    Outcome("childhood obesity", "obesity prevalence among reception-year children", "obesity"),
    Outcome(
        "physical activity",
        "the proportion of adults meeting physical activity recommendations",
        "physical activity",
        harmful=False,
    ),
    Outcome(
        "poor mental health", "the proportion of adults with a high GHQ-12 score", "mental health"
    ),
    Outcome(
        "poor self-reported health",
        "the proportion of residents reporting poor health",
        "self-rated health",
    ),
    Outcome("infant mortality", "the infant mortality rate", "infant mortality"),
    Outcome("breastfeeding", "breastfeeding initiation", "breast feeding", harmful=False),
    Outcome(
        "fruit and vegetable consumption",
        "daily consumption of five portions of fruit and vegetables",
        "diet",
        harmful=False,
    ),
    Outcome("alcohol-related harm", "alcohol-related hospital admissions", "alcohol"),
    Outcome(
        "coronary heart disease mortality",
        "premature mortality from coronary heart disease",
        "coronary heart disease",
    ),
    Outcome("child pedestrian injuries", "child pedestrian casualties", "injury prevention"),
    Outcome(
        "poor oral health in children",
        "decayed, missing and filled teeth at age five",
        "oral health",
    ),
    Outcome("excess winter deaths", "excess winter mortality among older people", "fuel poverty"),
    Outcome("problem drug use", "drug-related hospital admissions", "substance misuse"),
    Outcome(
        "the gap in life expectancy",
        "the gap in male life expectancy between the most and least deprived wards",
        "life expectancy",
    ),
    Outcome(
        "access to primary care",
        "registration with a general practitioner among new residents",
        "access to health care",
        harmful=False,
    ),
    Outcome("low birth weight", "the proportion of low birth weight births", "birth weight"),
]

# fmt: off
ASPECTS = [
    "leadership", "accountability", "governance", "trust between partners",
    "community involvement", "pooled budgets", "performance management", "organisational culture",
    "information sharing", "priority setting", "power relations",
    "sustainability after short-term funding", "boundary-spanning roles",
    "the role of the voluntary sector", "target setting", "joint commissioning",
    "evaluation capacity", "workforce development", "the engagement of general practitioners",
    "the public health role of local government", "resident participation", "shared objectives",
    "decision making", "inter-professional relationships",
]
# fmt: on


@dataclass(frozen=True, slots=True)
class Journal:
    name: str
    abbrev: str
    doi: str  # DOI pattern key in papers.DOI_PATTERNS, or "" when the journal had none
    code: str  # publisher's journal code used in the DOI
    first_year: int  # year of volume 1 (approximate)
    issues: int


def _j(name: str, abbrev: str, doi: str, code: str, first_year: int, issues: int) -> Journal:
    return Journal(name, abbrev, doi, code, first_year, issues)


JOURNALS: dict[str, Journal] = {
    j.name: j
    for j in [
        _j("Journal of Public Health", "J Public Health (Oxf)", "oup", "pubmed", 1979, 4),
        _j("Public Health", "Public Health", "elsevier", "puhe", 1888, 12),
        _j(
            "Health & Social Care in the Community",
            "Health Soc Care Community",
            "wiley",
            "1365-2524",
            1993,
            6,
        ),
        _j("Social Science & Medicine", "Soc Sci Med", "elsevier", "socscimed", 1967, 24),
        _j(
            "Journal of Epidemiology and Community Health",
            "J Epidemiol Community Health",
            "bmj",
            "jech",
            1947,
            12,
        ),
        _j("BMJ", "BMJ", "bmj", "bmj", 1682, 52),
        _j("Health Policy", "Health Policy", "elsevier", "healthpol", 1981, 12),
        _j("Critical Public Health", "Crit Public Health", "tandf", "09581590", 1990, 4),
        _j("Health Education Journal", "Health Educ J", "sage", "0017896", 1943, 4),
        _j("Health Promotion International", "Health Promot Int", "oup", "heapro", 1986, 4),
        _j("Policy & Politics", "Policy Polit", "policy", "0305573", 1973, 4),
        _j("Journal of Integrated Care", "J Integr Care", "emerald", "14769018", 1993, 6),
        _j("Journal of Interprofessional Care", "J Interprof Care", "tandf", "13561820", 1987, 6),
        _j("Public Administration", "Public Adm", "wiley", "1467-9299", 1923, 4),
        _j("Local Government Studies", "Local Gov Stud", "tandf", "03003930", 1975, 5),
        _j("Urban Studies", "Urban Stud", "sage", "0042098", 1964, 12),
        _j("Social Policy & Administration", "Soc Policy Adm", "wiley", "1467-9515", 1967, 7),
        _j("Journal of Social Policy", "J Soc Policy", "cup", "S00472794", 1972, 4),
        _j("Health Services Management Research", "Health Serv Manage Res", "rsm", "hsmr", 1988, 4),
        _j(
            "Primary Health Care Research & Development",
            "Prim Health Care Res Dev",
            "cup",
            "S14634236",
            2000,
            4,
        ),
        _j("Community Practitioner", "Community Pract", "", "", 1928, 12),
        _j(
            "Journal of the Royal Society for the Promotion of Health",
            "J R Soc Promot Health",
            "sage",
            "1466424",
            1880,
            6,
        ),
        _j("Children & Society", "Child Soc", "wiley", "1099-0860", 1987, 5),
        _j(
            "International Journal of Public Sector Management",
            "Int J Public Sect Manag",
            "emerald",
            "09513558",
            1988,
            7,
        ),
        _j(
            "Journal of Health Organization and Management",
            "J Health Organ Manag",
            "emerald",
            "14777260",
            1987,
            6,
        ),
        _j("Health Education Research", "Health Educ Res", "oup", "her", 1986, 6),
        _j("Sociology of Health & Illness", "Sociol Health Illn", "wiley", "1467-9566", 1979, 7),
        _j("Public Money & Management", "Public Money Manag", "wiley", "1467-9302", 1981, 5),
        _j("Health Service Journal", "Health Serv J", "", "", 1891, 50),
        _j("British Journal of General Practice", "Br J Gen Pract", "", "", 1953, 12),
        _j("Family Practice", "Fam Pract", "oup", "fampra", 1984, 6),
        _j("Diabetic Medicine", "Diabet Med", "wiley", "1464-5491", 1984, 12),
        _j("Journal of Advanced Nursing", "J Adv Nurs", "wiley", "1365-2648", 1976, 12),
        _j("Age and Ageing", "Age Ageing", "oup", "ageing", 1972, 6),
        _j("British Journal of Psychiatry", "Br J Psychiatry", "rcpsych", "bjp", 1855, 12),
        _j("Thorax", "Thorax", "bmj", "thx", 1946, 12),
        _j("Heart", "Heart", "bmj", "hrt", 1939, 12),
        _j("Lancet", "Lancet", "elsevier", "lancet", 1823, 52),
        _j("Epidemiology and Infection", "Epidemiol Infect", "cup", "S09502688", 1901, 6),
        _j("Journal of Hospital Infection", "J Hosp Infect", "elsevier", "jhin", 1979, 12),
        _j("Communicable Disease and Public Health", "Commun Dis Public Health", "", "", 1997, 4),
        _j("Sexually Transmitted Infections", "Sex Transm Infect", "bmj", "sti", 1924, 6),
        _j("Journal of Infection", "J Infect", "elsevier", "jinf", 1978, 12),
        _j("Nursing Times", "Nurs Times", "", "", 1905, 50),
        _j("Nurse Education Today", "Nurse Educ Today", "elsevier", "nedt", 1980, 8),
        _j("Canadian Journal of Public Health", "Can J Public Health", "cjph", "cjph", 1909, 6),
        _j("American Journal of Public Health", "Am J Public Health", "aph", "AJPH", 1910, 12),
        _j(
            "Australian and New Zealand Journal of Public Health",
            "Aust N Z J Public Health",
            "wiley",
            "1467-842X",
            1976,
            6,
        ),
        _j(
            "Scandinavian Journal of Public Health",
            "Scand J Public Health",
            "sage",
            "1403494",
            1972,
            6,
        ),
        _j("Journal of Urban Health", "J Urban Health", "springer", "s11524", 1924, 6),
        _j("Health Affairs", "Health Aff (Millwood)", "healthaff", "hlthaff", 1981, 6),
        _j(
            "International Journal of Integrated Care",
            "Int J Integr Care",
            "ubiquity",
            "ijic",
            2000,
            4,
        ),
        _j("Gesundheitswesen", "Gesundheitswesen", "thieme", "s", 1938, 12),
        _j("Sante Publique", "Sante Publique", "cairn", "spub", 1988, 6),
        _j("Gaceta Sanitaria", "Gac Sanit", "gaceta", "gs", 1986, 6),
        _j("Tijdschrift voor Gezondheidswetenschappen", "Tijdschr Gezondheidswet", "", "", 1922, 8),
        _j("Annali di Igiene", "Ann Ig", "", "", 1988, 6),
        _j("Lakartidningen", "Lakartidningen", "", "", 1904, 52),
        _j("Ugeskrift for Laeger", "Ugeskr Laeger", "", "", 1838, 52),
        _j(
            "Revue d'Epidemiologie et de Sante Publique",
            "Rev Epidemiol Sante Publique",
            "elsevier",
            "respe",
            1952,
            6,
        ),
    ]
}

# Journals by the kind of paper that would appear in them.
# fmt: off
JOURNALS_BY_TOPIC: dict[str, list[str]] = {
    "england": [
        "Journal of Public Health", "Public Health", "Health & Social Care in the Community",
        "Social Science & Medicine", "Journal of Epidemiology and Community Health",
        "Health Policy", "Critical Public Health", "Health Education Journal",
        "Health Promotion International", "Policy & Politics", "Journal of Integrated Care",
        "Journal of Interprofessional Care", "Local Government Studies", "Urban Studies",
        "Social Policy & Administration", "Journal of Social Policy",
        "Health Services Management Research", "Primary Health Care Research & Development",
        "Community Practitioner", "Journal of the Royal Society for the Promotion of Health",
        "Children & Society", "International Journal of Public Sector Management",
        "Journal of Health Organization and Management", "Health Education Research",
        "Public Administration", "BMJ",
    ],
    "clinical": [
        "BMJ", "British Journal of General Practice", "Family Practice", "Diabetic Medicine",
        "Journal of Advanced Nursing", "Age and Ageing", "British Journal of Psychiatry", "Thorax",
        "Heart", "Lancet", "Health & Social Care in the Community",
    ],
    "infection": [
        "Epidemiology and Infection", "Journal of Hospital Infection",
        "Communicable Disease and Public Health", "Sexually Transmitted Infections",
        "Journal of Infection", "Journal of Public Health", "Public Health", "BMJ",
    ],
    "abroad": [
        "Canadian Journal of Public Health", "American Journal of Public Health",
        "Australian and New Zealand Journal of Public Health",
        "Scandinavian Journal of Public Health", "Health Promotion International",
        "Social Science & Medicine", "Health Policy", "Journal of Urban Health", "Health Affairs",
        "International Journal of Integrated Care", "Critical Public Health",
        "Health Education Research",
    ],
    "opinion": [
        "Health Service Journal", "BMJ", "Journal of Public Health", "Critical Public Health",
        "Public Health", "Policy & Politics", "Public Money & Management", "Nursing Times",
        "Community Practitioner", "Journal of Integrated Care",
    ],
    "pre1997": [
        "Public Health", "Health Education Journal", "Journal of Public Health",
        "Health Promotion International", "Policy & Politics", "Health Education Research",
    ],
    "unrelated": [
        "Nurse Education Today", "Journal of Advanced Nursing", "Public Money & Management",
        "Health Service Journal", "BMJ", "Urban Studies", "Local Government Studies",
        "Journal of Interprofessional Care", "International Journal of Public Sector Management",
        "Nursing Times",
    ],
}
# fmt: on

PUBLISHERS = [
    ("King's Fund", "London"),
    ("Health Development Agency", "London"),
    ("Joseph Rowntree Foundation", "York"),
    ("Department of Health", "London"),
    ("Office of the Deputy Prime Minister", "London"),
    ("Audit Commission", "London"),
    ("Nuffield Institute for Health, University of Leeds", "Leeds"),
    ("Policy Press", "Bristol"),
    ("Open University Press", "Buckingham"),
    ("Neighbourhood Renewal Unit", "London"),
    ("North East Public Health Observatory", "Stockton-on-Tees"),
    ("Local Government Association", "London"),
    ("NHS Confederation", "London"),
    ("Improvement and Development Agency", "London"),
    ("National Evaluation of Sure Start, Birkbeck, University of London", "London"),
    ("Centre for Regional Economic and Social Research, Sheffield Hallam University", "Sheffield"),
]
HSMC_PUBLISHER = ("Health Services Management Centre, University of Birmingham", "Birmingham")

# fmt: off
CORPORATE_AUTHORS = [
    "Audit Commission", "Health Development Agency", "King's Fund", "Department of Health",
    "Neighbourhood Renewal Unit", "Local Government Association",
]
# fmt: on

BOOKS = [
    ("Partnership Working: Policy and Practice", "Policy Press", "Bristol"),
    ("Partnerships, New Labour and the Governance of Welfare", "Policy Press", "Bristol"),
    ("Public Health in Policy and Practice", "Bailliere Tindall", "Edinburgh"),
    (
        "Tackling Health Inequalities: Lessons from Local Practice",
        "Open University Press",
        "Maidenhead",
    ),
    ("Collaboration in Health and Social Care", "Palgrave", "Basingstoke"),
    ("Governing Local Health: Partnerships and the State", "Policy Press", "Bristol"),
    ("The New Public Health in England", "Open University Press", "Buckingham"),
    ("Neighbourhood Renewal and Health", "Jessica Kingsley", "London"),
]

# fmt: off
SURNAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Hughes", "Edwards", "Turner", "Hill", "Cooper", "Ward",
    "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James",
    "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths",
    "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw",
    "Murphy", "Miller", "Cox", "Richards", "Marshall", "Simpson", "Ellis", "Adams", "Singh",
    "Begum", "Ahmed", "Hussain", "Ali", "Chapman", "Mason", "Webb", "Rogers", "Gray", "Hunt",
    "Palmer", "Holmes", "Mills", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher",
    "Stevens", "Jenkins", "Dixon", "Fletcher", "Howard", "Gibson", "Ellison", "Hudson", "Fenwick",
    "Lambert", "Dawson", "Brooks", "Reid", "Walsh", "Powell", "Burton", "Harvey", "Bradley",
    "Porter", "Hayes", "Spencer", "Tucker", "Nash", "Hardy", "Rowe", "Lowe", "Armstrong", "Foster",
    "Graham", "Pearson", "Atkinson", "Nicholson", "Lawrence", "Sutton", "Thomson", "Barnes",
    "Okafor", "Nguyen", "Chen", "Kowalski", "O'Brien", "McDonald", "Fraser", "Doyle",
]

GIVEN_NAMES = [
    "Katherine", "David", "Clare", "Nicola", "Linda", "Tony", "Sarah", "John", "Helen", "Mark",
    "Susan", "Peter", "Jennie", "Chris", "Ruth", "Martin", "Alison", "Paul", "Jane", "Andrew",
    "Rachel", "Stephen", "Fiona", "Richard", "Emma", "Michael", "Karen", "James", "Louise",
    "Simon", "Catherine", "Ian", "Judith", "Robert", "Anne", "Gareth", "Joanne", "Kevin", "Mary",
    "Graham", "Lesley", "Neil", "Elizabeth", "Matthew", "Hilary", "Jonathan", "Gillian", "Philip",
    "Deborah", "Nigel", "Amanda", "Hugh", "Bridget", "Mohammed", "Aisha", "Rajesh", "Priya",
    "Tariq", "Nasreen", "Wei", "Olufemi", "Siobhan", "Declan", "Eileen",
]
# fmt: on
