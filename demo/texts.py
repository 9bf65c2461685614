"""Title and abstract templates for the demo papers, one group per topic.

Each topic has title templates, abstract sentence pools by section, and keywords. Slots in
braces are filled from a per-paper context built in papers.py; "_cap" slots hold the same
text with a capital first letter.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class TopicText:
    titles: list[str]
    background: list[str | tuple[str, ...]]
    aim: list[str | tuple[str, ...]]
    methods: list[str | tuple[str, ...]]
    results: list[str | tuple[str, ...]]
    conclusions: list[str | tuple[str, ...]]
    keywords: list[str] = field(default_factory=list)
    structured: bool = True  # may be printed with section labels


OUTCOMES_TEXT = TopicText(
    titles=[
        "The impact of {pl} on {outcome}: {design_t}",
        "Did {pl} reduce {target}? {design_t_cap}",
        "{pl_cap} and {outcome} in {place}, {y1}-{y2}",
        "Tackling {target} through partnership: evidence from {place}",
        "Partnership working and {outcome}: evaluating {single}",
        "Can local partnerships reduce {target}? Lessons from {place}",
        "Health outcomes of {single}: {design_t}",
        "Joining up for health? {pl_cap} and {outcome} in {region}",
        "Measuring the contribution of {pl} to {outcome} in {place}",
        "{outcome_cap} in deprived neighbourhoods: the role of {single}",
        "From partnership to outcomes: {outcome} and {single}",
        "Evaluating {single}: changes in {outcome} over {k_years} years",
        "Reducing {target} through joint working in {place}: {design_t}",
        "Partnerships for health in {region}: {outcome} after {k_years} years of {pl}",
    ],
    background=[
        "Since 1997 English health policy has relied on organisational partnerships between "
        "the NHS, local government and the voluntary sector to improve population health and "
        "reduce health inequalities.",
        "{pl_cap} were introduced to bring local agencies together around shared public health "
        "goals in some of the most deprived areas of England.",
        "{outcome_cap} is a national public health priority, and local partnerships have been "
        "given lead responsibility for improving it.",
        "Despite substantial investment in partnership working, there is little evidence on "
        "whether partnerships change health outcomes.",
        "{pl_cap} were expected to deliver measurable improvements in health, yet most "
        "evaluations have concentrated on how partners work together rather than on what they "
        "achieve.",
        "Area-based initiatives in England have combined partnership working with targeted "
        "funding to address the wider determinants of health.",
    ],
    aim=[
        "This study assessed the impact of {single} on {outcome}.",
        "We examined whether {single} was associated with changes in {outcome} between {y1} "
        "and {y2}.",
        "The aim was to evaluate the contribution of {pl} in {region} to {outcome} and to the "
        "reduction of health inequalities.",
        "This paper reports the outcome strand of the local evaluation of {single}.",
        "We set out to estimate the effect of partnership working on {outcome} in {place}.",
    ],
    methods=[
        "A longitudinal before-and-after design compared {indicator} in {n_areas} partnership "
        "wards with {n_comp} comparison wards, using routine data for {y1} to {y2}.",
        "Household surveys of {n_res} adults were carried out at baseline and after {k_years} "
        "years, with self-reported health and health behaviours as outcomes.",
        "Routine data on {indicator} were combined with {n_int} semi-structured interviews "
        "with partnership board members, managers and front-line staff.",
        "Repeated cross-sectional surveys (baseline response {rr}%) were linked to partnership "
        "monitoring returns and programme documents.",
        "A theory of change approach was used to identify intended outcomes, which were then "
        "tracked with local indicators over {k_years} years.",
        "Interrupted time series analysis of {indicator} was undertaken, with neighbouring "
        "districts as controls.",
        "Focus groups with {n_groups} groups of residents explored perceived changes in health "
        "and in local services.",
    ],
    results=[
        (
            "{indicator_cap} {change} by {pct_a}% in partnership areas compared with {pct_b}% "
            "in comparison areas.",
            "No statistically significant change in {indicator} could be attributed to the "
            "partnership over the study period.",
            "Changes in {indicator} followed national trends closely, making the partnership's "
            "own contribution difficult to isolate.",
        ),
        "The gap in {indicator} between the most and least deprived wards narrowed slightly, "
        "although confidence intervals were wide.",
        "Self-reported health improved among residents in contact with partnership projects, "
        "but not in the population as a whole.",
        "Interviewees credited the partnership with raising the profile of health inequalities "
        "in local policy and with attracting mainstream funding.",
        "Improvements were greatest where partners had agreed a small number of shared targets "
        "and pooled resources to meet them.",
        "Residents reported better access to services and greater confidence in local "
        "agencies, but little change in their own health.",
    ],
    conclusions=[
        "Partnerships may contribute to reducing {target}, but the effects are modest "
        "and hard to attribute.",
        "Partnership working alone is unlikely to reduce health inequalities without sustained "
        "investment and clear, shared targets.",
        "Longer-term evaluations with appropriate comparison groups are needed before firm "
        "conclusions can be drawn.",
        "The findings offer cautious support for local partnerships as a vehicle for public "
        "health improvement in England.",
        "Evaluations of public health partnerships should measure health outcomes, not only "
        "the quality of joint working.",
    ],
    keywords=[
        "partnership working",
        "public health",
        "health inequalities",
        "evaluation",
        "England",
        "outcome evaluation",
        "area-based initiatives",
        "inter-agency collaboration",
    ],
)

PROCESS_TEXT = TopicText(
    titles=[
        "{aspect_cap} in {pl}: {design_p}",
        "Making partnerships work: {aspect} in {single}",
        "Inside {single}: {aspect} and {aspect2}",
        "Partnership working between primary care trusts and local authorities in {place}: "
        "{aspect}",
        "{aspect_cap} and {aspect2} in {pl}: a study in {place}",
        "Who governs local health partnerships? {aspect_cap} in {place}",
        "Collaboration in practice: {aspect} within {pl} in {region}",
        "Managing {aspect} in {pl}: a case study of {place}",
        "The process of partnership: {aspect} in {single}",
        "Partners' views of {aspect} in {pl}: {design_p}",
        "Understanding {aspect} in multi-agency public health partnerships in {place}",
        "Working together for health in {place}: {aspect} in {pl}",
    ],
    background=[
        "Partnership working has become a defining feature of health and social policy in "
        "England since 1997.",
        "{pl_cap} bring together primary care trusts, local authorities, the police and "
        "voluntary organisations to address local health priorities.",
        "The governance of local partnerships raises questions about accountability, "
        "legitimacy and the distribution of power between partners.",
        "Much has been written about the barriers to joint working, but less is known about "
        "how partnerships manage {aspect} in practice.",
        "The policy literature presents partnership as self-evidently beneficial, yet partners "
        "often bring different goals, cultures and lines of accountability.",
    ],
    aim=[
        "This paper examines {aspect} within {single}.",
        "The study explored how partners in {pl} understood and managed {aspect} and {aspect2}.",
        "We investigated the factors that helped or hindered {aspect} in {pl} in {region}.",
        "The aim was to describe how {single} organised its work and how partners experienced "
        "{aspect}.",
    ],
    methods=[
        "We conducted {n_int} semi-structured interviews with board members, officers and "
        "community representatives, observed {n_meet} meetings and analysed partnership "
        "documents.",
        "A postal survey of partnership coordinators in England (response rate {rr}%) was "
        "followed by case studies in {n_sites} sites.",
        "A realist evaluation in {n_sites} localities combined interviews, observation and "
        "documentary analysis over {k_years} years.",
        "Ethnographic fieldwork over {n_months} months included observation of board and "
        "sub-group meetings and informal conversations with partners.",
        "Data were collected through focus groups with {n_groups} groups of staff and "
        "residents and analysed thematically.",
        "A partnership assessment tool was completed by {n_res} members of {n_sites} partnerships.",
    ],
    results=[
        "Partners described {aspect} as the most difficult aspect of joint working.",
        "Tensions arose from differing organisational cultures, performance regimes and budget "
        "cycles.",
        "Community representatives reported limited influence over decisions, which were "
        "usually taken elsewhere.",
        "Accountability was diffuse: partners answered to their own organisations rather than "
        "to the partnership.",
        "Pooled budgets were rarely used, and most joint activity relied on short-term "
        "funding streams.",
        "Frequent reorganisation of primary care trusts disrupted relationships and weakened "
        "{aspect}.",
        "Strong leadership and boundary-spanning individuals were seen as critical to "
        "maintaining momentum.",
        "Partners found it difficult to identify what the partnership had added beyond the "
        "work of its member organisations.",
        "National targets shaped local priorities more than locally agreed objectives did.",
    ],
    conclusions=[
        "The study highlights the time and resources needed to sustain effective partnerships.",
        "Attention to process alone says little about whether partnerships improve health; "
        "outcome evaluation remains rare.",
        "Policy makers should recognise the costs of partnership working as well as its "
        "presumed benefits.",
        "Clearer governance arrangements could strengthen {aspect} in public health partnerships.",
    ],
    keywords=[
        "partnership working",
        "governance",
        "collaboration",
        "accountability",
        "inter-agency working",
        "qualitative research",
        "England",
        "local government",
        "primary care trusts",
    ],
)

CLINICAL_TEXT = TopicText(
    titles=[
        "{interv_cap} for {cond}: {design}",
        "Effect of {interv} on {clin_outcome} in patients with {cond}: {design}",
        "{interv_cap} versus usual care for {cond} in {place}",
        "Partnership between primary and secondary care in the management of {cond}: {design}",
        "Improving {clin_outcome} in {cond} through {interv}",
        "Does {interv} improve {clin_outcome} for people with {cond}?",
        "{clin_outcome_cap} after {interv} for {cond}: {design}",
    ],
    background=[
        "{cond_cap} is a common cause of morbidity and of hospital admission in England.",
        "Care for people with {cond} is often fragmented between primary and secondary care.",
        "Partnership between general practitioners, specialists and community nurses has been "
        "proposed as a way to improve care for {cond}.",
    ],
    aim=[
        "To assess whether {interv} improves {clin_outcome} for people with {cond}.",
        "This study evaluated {interv} for patients with {cond} in {place}.",
    ],
    methods=[
        "{design_cap} in {n_sites} general practices, with {n_res} patients allocated to the "
        "intervention or to usual care.",
        "Patients with {cond} (n={n_res}) were recruited from hospital clinics and followed up "
        "for {n_months} months.",
        "The primary outcome was {clin_outcome}; secondary outcomes included patient "
        "satisfaction, use of services and costs.",
        "Outcomes were measured at baseline, six and twelve months by assessors blind to "
        "allocation.",
    ],
    results=[
        (
            "At twelve months {clin_outcome} was better in the intervention group (difference "
            "{diff}, 95% CI {ci_lo} to {ci_hi}).",
            "There was no significant difference between the groups in {clin_outcome} or in "
            "hospital admissions.",
        ),
        "Patients and professionals valued the closer working between the hospital team and "
        "primary care.",
        "The intervention cost an additional {cost} pounds per patient per year.",
        "Follow-up was completed by {fu}% of participants.",
    ],
    conclusions=[
        "{interv_cap} is a feasible and acceptable model of care for {cond}, but its effect on "
        "{clin_outcome} was small.",
        "Closer collaboration between primary and secondary care can improve outcomes for "
        "people with {cond}.",
        "Wider implementation should await evidence of cost-effectiveness.",
    ],
    keywords=[
        "randomised controlled trial",
        "primary care",
        "shared care",
        "integrated care",
        "nursing",
        "secondary care",
    ],
)

INFECTION_TEXT = TopicText(
    titles=[
        "Multi-agency control of an outbreak of {infection} {setting} in {place}",
        "{infection_cap} {setting}: a partnership approach to case finding",
        "Partnership in health protection: the response to {infection} in {place}",
        "Screening for {infection} {setting}: evaluation of a joint programme in {place}",
        "Lessons from an outbreak of {infection} {setting}, {place} {year}",
        "Joint working between health protection and local authorities on {infection} in {place}",
        "Improving the uptake of {vaccine} {vaccine_setting}: a partnership in {place}",
    ],
    background=[
        "{infection_cap} remains an important public health problem, particularly {setting}.",
        "Control of {infection} depends on close working between health protection teams, the "
        "NHS and local authorities.",
        "In {y1} an increase in notifications of {infection} was detected in {place}.",
    ],
    aim=[
        "We describe the multi-agency response to {infection} {setting} in {place}.",
        "This paper evaluates a joint case-finding and treatment programme for {infection} "
        "{setting}.",
    ],
    methods=[
        "An outbreak control team was convened, including the local health protection unit, "
        "the primary care trust, environmental health officers and {partner}.",
        "Cases were identified through laboratory reports and enhanced surveillance over "
        "{n_months} months.",
        "Screening was offered to {n_res} people {setting}, and uptake, positivity and "
        "treatment completion were recorded.",
    ],
    results=[
        "In total {n_cases} cases were identified, {pct_a}% of whom had not previously been "
        "known to services.",
        "Uptake of screening was {rr}%, and {pct_b}% of those testing positive completed "
        "treatment.",
        "No further cases were reported after the control measures were introduced.",
        "Communication between agencies was effective, although responsibilities for "
        "follow-up were initially unclear.",
    ],
    conclusions=[
        "Partnership between agencies was essential to control the outbreak.",
        "Targeted screening {setting} is feasible and identifies substantial undiagnosed "
        "infection.",
        "Clear protocols for joint working should be agreed before outbreaks occur.",
    ],
    keywords=[
        "communicable disease control",
        "outbreak",
        "screening",
        "health protection",
        "multi-agency working",
        "surveillance",
    ],
)

ABROAD_TEXT = TopicText(
    titles=[
        "{program_cap} and {outcome} in {aplace}, {country}",
        "Community partnerships for health in {aplace}: {design_t}",
        "The impact of {program} on {outcome}: evidence from {country}",
        "Building {program} in {country}: {aspect}",
        "Coalitions, partnerships and {outcome}: a study of {aplace}",
        "Evaluating {program} in {aplace}: {design_t}",
        "What makes {program} effective? {aspect_cap} in {country}",
    ],
    background=[
        "{program_cap} have been promoted in {country} as a way of improving population health "
        "through collaboration between agencies.",
        "Intersectoral partnerships are a central strategy of health promotion internationally, "
        "but evidence of their effects is limited.",
        "Since the late 1990s, policy in {country} has encouraged local agencies to work "
        "together on health improvement.",
    ],
    aim=[
        "This study assessed the impact of {program} on {outcome} in {aplace}.",
        "We examined how {program} in {aplace} developed and what they achieved.",
        "The aim was to identify the factors associated with effective {program} in {country}.",
    ],
    methods=[
        "The study covered {n_sites} partnerships, using surveys of members, interviews with "
        "key informants and analysis of local health data.",
        "A longitudinal comparison of {indicator} in partnership and comparison communities "
        "was undertaken over {k_years} years.",
        "Data were collected through {n_int} interviews and a survey of {n_res} partnership "
        "members.",
    ],
    results=[
        "Partnerships with broad membership and dedicated staff reported more community-level "
        "changes in programmes and policies.",
        "{indicator_cap} improved in intervention communities, but the difference from "
        "comparison communities was not statistically significant.",
        "Members valued the partnerships for building relationships, although few could point "
        "to changes in health outcomes.",
        "Sustainability was threatened when external funding ended.",
    ],
    conclusions=[
        "{program_cap} in {country} can contribute to community health, but expectations "
        "should be realistic.",
        "The findings may inform the development of similar partnerships elsewhere.",
    ],
    keywords=[
        "community partnerships",
        "coalitions",
        "health promotion",
        "intersectoral action",
        "community health",
    ],
)

OPINION_TEXT = TopicText(
    titles=[
        "Partnership working in public health: {rhetoric}",
        "The limits of partnership: {rhetoric}",
        "{label}: {pl} and the health inequalities agenda",
        "Why {pl} need {need}",
        "Towards a theory of {concept}",
        "Rethinking {aspect} in public health partnerships",
        "{pl_cap}: {rhetoric}",
        "New Labour, partnership and public health: {rhetoric}",
        "{label}: {concept} and the future of {pl}",
    ],
    background=[
        "Partnership has become the dominant policy discourse in English public health.",
        "This paper argues that the enthusiasm for {pl} has outrun the evidence of their "
        "effectiveness.",
        "The multiplication of partnerships has produced what some call partnership fatigue "
        "among local agencies.",
        "The author reflects on {n_years_exp} years' experience as a director of public health "
        "working with local partners.",
    ],
    aim=[
        "Drawing on theories of {concept}, we consider why partnerships so often disappoint.",
        "We suggest that {aspect} deserves more attention than it has received in debates "
        "on public health partnerships.",
    ],
    methods=[
        "Partnerships are frequently created in response to central government requirements "
        "rather than local need.",
        "The proliferation of targets and funding streams encourages short-termism and "
        "undermines genuine collaboration.",
        "The language of partnership can obscure real differences in power between statutory "
        "agencies, the voluntary sector and communities.",
        "A conceptual framework is proposed that distinguishes between the structures, "
        "processes and outcomes of partnership working.",
    ],
    results=[
        "We discuss the implications for evaluation, arguing that theory-based approaches are "
        "better suited to complex partnerships than experimental designs.",
        "Lessons are drawn from the wider literature on inter-organisational relationships in "
        "the public sector.",
        "Examples from {pl} illustrate how quickly priorities can shift when national policy "
        "changes.",
    ],
    conclusions=[
        "Partnership should be seen as a means to an end rather than an end in itself.",
        "Policy makers need to be clearer about what partnerships are expected to achieve and "
        "how success will be judged.",
        "Fewer, better resourced partnerships with clear accountability would serve public "
        "health better.",
    ],
    keywords=[
        "partnership working",
        "public health policy",
        "governance",
        "New Labour",
        "collaboration",
        "health inequalities",
        "policy analysis",
    ],
    structured=False,
)

FOREIGN_TEXT = TopicText(
    titles=[
        "[{ne_topic_cap} in {ne_place}: experience of a regional network]",
        "[Cooperation between municipalities and health services in {ne_place}: {ne_topic}]",
        "[Local health partnerships in {ne_country}: {ne_topic}]",
        "[{ne_topic_cap}: results of an intersectoral project in {ne_place}]",
        "[Networks for {ne_topic} in {ne_place}, {y1}-{y2}]",
    ],
    background=[
        "In {ne_country}, cooperation between municipalities, health insurers and health "
        "services has been encouraged to promote population health.",
        "{ne_topic_cap} is a priority of regional health policy in {ne_country}.",
    ],
    aim=[
        "This article describes the development of {ne_topic} in {ne_place} and reports early "
        "results.",
        "The aim of the study was to assess the work of local networks for {ne_topic} in "
        "{ne_place}.",
    ],
    methods=[
        "Data were collected from interviews with {n_int} stakeholders and from network "
        "documents between {y1} and {y2}.",
        "A questionnaire survey of {n_res} participating institutions was conducted (response "
        "rate {rr}%).",
    ],
    results=[
        "Most networks had established joint working groups, but few had agreed measurable "
        "objectives.",
        "Participants reported improved communication between sectors and greater awareness "
        "of health issues.",
        "Financing and the lack of a legal framework were the main obstacles.",
        "Differences between urban and rural districts were considerable.",
    ],
    conclusions=[
        "Local networks are a promising approach to {ne_topic}, but need stable structures and "
        "funding.",
        "Further evaluation of the health effects is needed.",
    ],
    keywords=["intersectoral cooperation", "health promotion", "networks", "municipalities"],
)

PRE1997_TEXT = TopicText(
    titles=[
        "The {place} {old_program}, {y0}-{yend}: a retrospective evaluation",
        "Health for All in {place}: the end of a partnership, {y0}-{yend}",
        "Joint Consultative Committees and health promotion in {place}, {y0}-{yend}",
        "Lessons from the {place} {old_program}, {y0}-{yend}",
        "Joint finance and health promotion in {place}: a review of {y0}-{yend}",
    ],
    background=[
        "The {old_program} was one of the earlier attempts to bring local agencies together to "
        "improve health in England.",
        "Before 1997, collaboration between health authorities and local government on health "
        "promotion relied largely on joint finance and voluntary alliances.",
    ],
    aim=[
        "This paper reviews the work of the {place} {old_program} from {y0} until it ended in "
        "{yend}.",
        "We assess what was achieved by the {place} {old_program} during its lifetime "
        "({y0}-{yend}).",
    ],
    methods=[
        "The review draws on annual reports, minutes of steering group meetings and interviews "
        "with {n_int} former members.",
        "Routine data on {indicator} for {y0} to {yend} were examined alongside project "
        "documentation.",
    ],
    results=[
        "The partnership raised awareness of health issues among local councillors but had "
        "limited influence on mainstream budgets.",
        "Projects addressing {target} reached relatively few residents, and most ended when the "
        "funding ceased.",
        "Former members regretted the loss of relationships and local knowledge when the "
        "partnership was wound up in {yend}.",
    ],
    conclusions=[
        "The experience offers lessons for the new generation of partnerships established "
        "after 1997.",
        "Short-term funding and the absence of a statutory basis limited what the partnership "
        "could achieve.",
    ],
    keywords=["health promotion", "joint finance", "health alliances", "history", "England"],
)

UNRELATED_TEXT = TopicText(
    titles=[
        "{un_subject_cap}: {design_p}",
        "{un_subject_cap} in {place}",
        "Making {un_subject} work: lessons from {place}",
        "Stakeholders' views of {un_subject} in {region}",
        "{un_subject_cap}: costs, benefits and risks",
        "{un_subject_cap} in {place}: {design_p}",
    ],
    background=[
        "Partnership has become a common term in the organisation of the NHS and its "
        "relationships with other sectors.",
        "{un_subject_cap} has attracted growing policy interest since the late 1990s.",
    ],
    aim=[
        "This paper examines {un_subject} in {place}.",
        "The study explored stakeholders' experiences of {un_subject}.",
    ],
    methods=[
        "Interviews (n={n_int}) were conducted with managers, professionals and {un_group}, "
        "and documents were analysed.",
        "A survey of {n_res} {un_group} was undertaken in {n_sites} organisations (response "
        "rate {rr}%).",
        "A case study design was used, drawing on interviews, observation and financial data.",
    ],
    results=[
        "Participants identified clear benefits, including shared resources and better "
        "communication.",
        "Problems included unclear responsibilities, high transaction costs and differing "
        "organisational priorities.",
        "The arrangements were judged to have improved {un_benefit}, although the evidence "
        "was largely anecdotal.",
    ],
    conclusions=[
        "The findings have implications for the planning and management of {un_subject}.",
        "Further research should examine the costs and benefits of such arrangements.",
    ],
    keywords=["partnership", "NHS", "organisational change", "management"],
)

TEXTS: dict[str, TopicText] = {
    "outcomes": OUTCOMES_TEXT,
    "process": PROCESS_TEXT,
    "clinical": CLINICAL_TEXT,
    "infection": INFECTION_TEXT,
    "abroad": ABROAD_TEXT,
    "opinion": OPINION_TEXT,
    "foreign": FOREIGN_TEXT,
    "pre1997": PRE1997_TEXT,
    "unrelated": UNRELATED_TEXT,
}
