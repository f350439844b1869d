"""Reference data every install ships: professions, credentials, credit types, boards, specialties.

Loaded by migration 0002 (with the historical models) and, in tests that flush the database
(`transaction=True`), again through `load_reference_data(django.apps.apps)`. Idempotent:
rows are matched by their code, so publishers' own additions and edits of names survive.
"""

from typing import Any

# (code, name, sort order): the Joint Accreditation professions, in the profile's order.
PROFESSIONS: list[tuple[str, str, int]] = [
    ("physician", "Physician", 10),
    ("physician-assistant", "Physician Assistant", 20),
    ("nurse", "Nurse", 30),
    ("pharmacist", "Pharmacist", 40),
    ("pharmacy-technician", "Pharmacy Technician", 50),
    ("psychologist", "Psychologist", 60),
    ("social-worker", "Social Worker", 70),
    ("dietitian", "Dietitian", 80),
    ("dentist", "Dentist", 90),
    ("optometrist", "Optometrist", 100),
    ("athletic-trainer", "Athletic Trainer", 110),
    ("allied-health", "Allied Health / Other", 120),
]

# (abbreviation, full name, profession code). "" is a degree that does not decide a
# profession: it is filed under allied health with implies_profession off.
CREDENTIALS: list[tuple[str, str, str]] = [
    ("MD", "Doctor of Medicine", "physician"),
    ("DO", "Doctor of Osteopathic Medicine", "physician"),
    ("MBBS", "Bachelor of Medicine, Bachelor of Surgery", "physician"),
    ("MBChB", "Bachelor of Medicine, Bachelor of Surgery", "physician"),
    ("PA-C", "Physician Assistant, Certified", "physician-assistant"),
    ("PA", "Physician Assistant", "physician-assistant"),
    ("RN", "Registered Nurse", "nurse"),
    ("LPN", "Licensed Practical Nurse", "nurse"),
    ("LVN", "Licensed Vocational Nurse", "nurse"),
    ("NP", "Nurse Practitioner", "nurse"),
    ("APRN", "Advanced Practice Registered Nurse", "nurse"),
    ("CRNA", "Certified Registered Nurse Anesthetist", "nurse"),
    ("CNM", "Certified Nurse-Midwife", "nurse"),
    ("CNS", "Clinical Nurse Specialist", "nurse"),
    ("BSN", "Bachelor of Science in Nursing", "nurse"),
    ("MSN", "Master of Science in Nursing", "nurse"),
    ("DNP", "Doctor of Nursing Practice", "nurse"),
    ("PharmD", "Doctor of Pharmacy", "pharmacist"),
    ("RPh", "Registered Pharmacist", "pharmacist"),
    ("BPharm", "Bachelor of Pharmacy", "pharmacist"),
    ("CPhT", "Certified Pharmacy Technician", "pharmacy-technician"),
    ("PhD", "Doctor of Philosophy", ""),
    ("PsyD", "Doctor of Psychology", "psychologist"),
    ("LCSW", "Licensed Clinical Social Worker", "social-worker"),
    ("LICSW", "Licensed Independent Clinical Social Worker", "social-worker"),
    ("LMSW", "Licensed Master Social Worker", "social-worker"),
    ("MSW", "Master of Social Work", "social-worker"),
    ("RD", "Registered Dietitian", "dietitian"),
    ("RDN", "Registered Dietitian Nutritionist", "dietitian"),
    ("DTR", "Dietetic Technician, Registered", "dietitian"),
    ("DDS", "Doctor of Dental Surgery", "dentist"),
    ("DMD", "Doctor of Dental Medicine", "dentist"),
    ("OD", "Doctor of Optometry", "optometrist"),
    ("ATC", "Certified Athletic Trainer", "athletic-trainer"),
    ("LAT", "Licensed Athletic Trainer", "athletic-trainer"),
    ("PT", "Physical Therapist", "allied-health"),
    ("DPT", "Doctor of Physical Therapy", "allied-health"),
    ("OT", "Occupational Therapist", "allied-health"),
    ("OTR", "Occupational Therapist, Registered", "allied-health"),
    ("RRT", "Registered Respiratory Therapist", "allied-health"),
    ("CRT", "Certified Respiratory Therapist", "allied-health"),
    ("MT", "Medical Technologist", "allied-health"),
    ("MLS", "Medical Laboratory Scientist", "allied-health"),
    ("RT(R)", "Radiologic Technologist", "allied-health"),
    ("SLP", "Speech-Language Pathologist", "allied-health"),
    ("AuD", "Doctor of Audiology", "allied-health"),
    ("EMT", "Emergency Medical Technician", "allied-health"),
    ("NRP", "Nationally Registered Paramedic", "allied-health"),
    ("LPC", "Licensed Professional Counselor", "allied-health"),
    ("LMFT", "Licensed Marriage and Family Therapist", "allied-health"),
    ("MPH", "Master of Public Health", ""),
    ("MS", "Master of Science", ""),
    ("MA", "Master of Arts", ""),
    ("MBA", "Master of Business Administration", ""),
    ("MHA", "Master of Health Administration", ""),
    ("EdD", "Doctor of Education", ""),
    ("DrPH", "Doctor of Public Health", ""),
    ("CHES", "Certified Health Education Specialist", "allied-health"),
    ("Other", "Other healthcare professional", "allied-health"),
]

# (code, name, reports MOC through ACCME's PARS)
BOARDS: list[tuple[str, str, bool]] = [
    ("ABA", "American Board of Anesthesiology", True),
    ("ABAI", "American Board of Allergy and Immunology", False),
    ("ABCRS", "American Board of Colon and Rectal Surgery", False),
    ("ABD", "American Board of Dermatology", False),
    ("ABEM", "American Board of Emergency Medicine", False),
    ("ABFM", "American Board of Family Medicine", False),
    ("ABIM", "American Board of Internal Medicine", True),
    ("ABMGG", "American Board of Medical Genetics and Genomics", False),
    ("ABNM", "American Board of Nuclear Medicine", False),
    ("ABNS", "American Board of Neurological Surgery", False),
    ("ABO", "American Board of Ophthalmology", False),
    ("ABOG", "American Board of Obstetrics and Gynecology", False),
    ("ABOHNS", "American Board of Otolaryngology – Head and Neck Surgery", True),
    ("ABOS", "American Board of Orthopaedic Surgery", True),
    ("ABP", "American Board of Pediatrics", True),
    ("ABPath", "American Board of Pathology", True),
    ("ABPM", "American Board of Preventive Medicine", False),
    ("ABPMR", "American Board of Physical Medicine and Rehabilitation", False),
    ("ABPN", "American Board of Psychiatry and Neurology", False),
    ("ABPS", "American Board of Plastic Surgery", False),
    ("ABR", "American Board of Radiology", False),
    ("ABS", "American Board of Surgery", True),
    ("ABTS", "American Board of Thoracic Surgery", True),
    ("ABU", "American Board of Urology", False),
]

AMA_STATEMENT = (
    "{provider} designates this {format} for a maximum of {credits}. Physicians "
    "should claim only the credit commensurate with the extent of their participation "
    "in the activity."
)

# (code, name, short name, unit, accreditor, statement, profession codes, flags, sort order)
CREDIT_TYPES: list[dict[str, Any]] = [
    {
        "code": "ama-pra-1",
        "unit_singular": "AMA PRA Category 1 Credit™",
        "partial_credit": "learner_chooses",
        "post_test": "never",
        "name": "AMA PRA Category 1 Credit™",
        "short_name": "AMA PRA Category 1",
        "unit": "AMA PRA Category 1 Credits™",
        "accreditor": "ACCME",
        "statement": AMA_STATEMENT,
        "professions": ["physician"],
        "sort_order": 10,
    },
    {
        "code": "aapa-1",
        "unit_singular": "AAPA Category 1 CME credit",
        "partial_credit": "learner_chooses",
        "post_test": "never",
        "name": "AAPA Category 1 CME credit",
        "short_name": "AAPA Category 1",
        "unit": "AAPA Category 1 CME credits",
        "accreditor": "AAPA",
        "statement": (
            "{provider} has been authorized by the American Academy of PAs (AAPA) to award "
            "AAPA Category 1 CME credit for activities planned in accordance with AAPA CME "
            "Criteria. This activity is designated for {credits}. PAs should only claim credit "
            "commensurate with the extent of their participation."
        ),
        "professions": ["physician-assistant"],
        "sort_order": 20,
    },
    {
        "code": "ancc",
        "unit_singular": "ANCC contact hour",
        "partial_credit": "sessions_attended",
        "post_test": "never",
        "name": "ANCC nursing contact hours",
        "short_name": "ANCC",
        "unit": "ANCC contact hours",
        "accreditor": "ANCC",
        "statement": (
            "{provider} designates this activity for a maximum of {credits}. Nurses should "
            "claim only the credit commensurate with the extent of their participation in the "
            "activity."
        ),
        "professions": ["nurse"],
        "sort_order": 30,
    },
    {
        "code": "acpe-p",
        "unit_singular": "contact hour",
        "partial_credit": "not_allowed",
        "post_test": "home_study",
        "name": "ACPE contact hours for pharmacists",
        "short_name": "ACPE (pharmacist)",
        "unit": "contact hours",
        "accreditor": "ACPE",
        "statement": (
            "This {activity_type} activity is approved for {credits} ({ceus} CEUs) of "
            "continuing pharmacy education credit for pharmacists, Universal Activity Number "
            "(UAN) {uan}. Credit is reported to CPE Monitor with the pharmacist's NABP "
            "e-Profile ID and birth month and day; the official record of this credit is the "
            "pharmacist's NABP e-Profile (CPE Monitor), not this certificate."
        ),
        "professions": ["pharmacist"],
        "requires_nabp": True,
        "sort_order": 40,
    },
    {
        "code": "acpe-t",
        "unit_singular": "contact hour",
        "partial_credit": "not_allowed",
        "post_test": "home_study",
        "name": "ACPE contact hours for pharmacy technicians",
        "short_name": "ACPE (technician)",
        "unit": "contact hours",
        "accreditor": "ACPE",
        "statement": (
            "This {activity_type} activity is approved for {credits} ({ceus} CEUs) of "
            "continuing pharmacy education credit for pharmacy technicians, Universal "
            "Activity Number (UAN) {uan}. Credit is reported to CPE Monitor with the "
            "technician's NABP e-Profile ID and birth month and day; the official record of "
            "this credit is the technician's NABP e-Profile (CPE Monitor), not this "
            "certificate."
        ),
        "professions": ["pharmacy-technician"],
        "requires_nabp": True,
        "sort_order": 50,
    },
    {
        "code": "apa",
        "unit_singular": "CE credit",
        "partial_credit": "sessions_attended",
        "post_test": "never",
        "name": "APA continuing education credits",
        "short_name": "APA CE",
        "unit": "CE credits",
        "accreditor": "APA",
        "statement": (
            "{provider} is approved by the American Psychological Association to sponsor "
            "continuing education for psychologists. {provider} maintains responsibility for "
            "this program and its content. This activity offers {credits}."
        ),
        "professions": ["psychologist"],
        "sort_order": 60,
    },
    {
        "code": "aswb",
        "unit_singular": "continuing education credit",
        "partial_credit": "sessions_attended",
        "post_test": "never",
        "name": "ASWB ACE continuing education credits",
        "short_name": "ASWB ACE",
        "unit": "continuing education credits",
        "accreditor": "ASWB ACE",
        "statement": (
            "As a Jointly Accredited Organization, {provider} is approved to offer social work "
            "continuing education by the Association of Social Work Boards (ASWB) Approved "
            "Continuing Education (ACE) program. Organizations, not individual courses, are "
            "approved under this program. Regulatory boards are the final authority on courses "
            "accepted for continuing education credit. Social workers completing this course "
            "receive {credits}."
        ),
        "professions": ["social-worker"],
        "sort_order": 70,
    },
    {
        "code": "cdr",
        "unit_singular": "CPEU",
        "partial_credit": "sessions_attended",
        "post_test": "never",
        "name": "CDR continuing professional education units (CPEUs)",
        "short_name": "CDR CPEU",
        "unit": "CPEUs",
        "accreditor": "CDR",
        "statement": (
            "{provider} designates this activity for {credits} for registered dietitians (RDs) "
            "and dietetic technicians, registered (DTRs), awarded through its Joint "
            "Accreditation as a Continuing Professional Education (CPE) provider with the "
            "Commission on Dietetic Registration (CDR)."
        ),
        "professions": ["dietitian"],
        "sort_order": 80,
    },
    {
        "code": "ada-cerp",
        "unit_singular": "CE credit",
        "partial_credit": "sessions_attended",
        "post_test": "never",
        "name": "ADA CERP continuing education credits",
        "short_name": "ADA CERP",
        "unit": "CE credits",
        "accreditor": "ADA CERP",
        "statement": (
            "{provider} is an ADA CERP Recognized Provider. ADA CERP is a service of the "
            "American Dental Association to assist dental professionals in identifying quality "
            "providers of continuing dental education. ADA CERP does not approve or endorse "
            "individual courses or instructors, nor does it imply acceptance of credit hours by "
            "boards of dentistry. Concerns or complaints about a CE provider may be directed to "
            "the provider or to the Commission for Continuing Education Provider Recognition at "
            "ADA.org/CERP. This activity is designated for {credits}."
        ),
        "professions": ["dentist"],
        "sort_order": 90,
    },
    {
        "code": "cope",
        "unit_singular": "hour",
        "partial_credit": "sessions_attended",
        "post_test": "never",
        "name": "COPE continuing education credit",
        "short_name": "COPE",
        "unit": "hours",
        "accreditor": "ARBO COPE",
        "statement": (
            "This activity, provided by {provider}, is COPE approved for {credits} of "
            "continuing education credit for optometrists."
        ),
        "professions": ["optometrist"],
        "sort_order": 100,
    },
    {
        "code": "boc",
        "unit_singular": "Category A hour/CEU",
        "partial_credit": "sessions_attended",
        "post_test": "never",
        "name": "BOC Category A continuing education units",
        "short_name": "BOC CEU",
        "unit": "Category A hours/CEUs",
        "accreditor": "BOC",
        "statement": (
            "{provider} is approved by the Board of Certification, Inc. to provide continuing "
            "education to Athletic Trainers (ATs). This program is eligible for a maximum of "
            "{credits}. ATs should claim only those hours actually spent in the educational "
            "program."
        ),
        "professions": ["athletic-trainer"],
        "sort_order": 110,
    },
    {
        "code": "participation",
        "unit_singular": "hour",
        "partial_credit": "learner_chooses",
        "post_test": "never",
        "name": "Certificate of participation",
        "short_name": "Participation",
        "unit": "hours",
        "accreditor": "Participation",
        "statement": (
            "{provider} certifies participation in this activity for up to {credits}. For "
            "information on the applicability and acceptance of continuing education credit "
            "for this activity, please consult your professional licensing board."
        ),
        "professions": ["allied-health"],
        "is_participation": True,
        "sort_order": 120,
    },
    {
        "code": "ipce",
        "unit_singular": "Interprofessional Continuing Education (IPCE) credit",
        "partial_credit": "learner_chooses",
        "post_test": "never",
        "name": "IPCE credit",
        "short_name": "IPCE",
        "unit": "Interprofessional Continuing Education (IPCE) credits",
        "accreditor": "Joint Accreditation",
        "statement": (
            "This activity was planned by and for the healthcare team, and learners will "
            "receive {credits} for learning and change."
        ),
        "professions": [code for code, _, _ in PROFESSIONS],
        "is_ipce": True,
        "sort_order": 130,
    },
]

# MOC per board that reports through PARS. "kind" is the board's own point kind; partial is
# the board's rule for claiming less than the registered points (docs/credits.md, MOC).
MOC_PROGRAMS: list[dict[str, str]] = [
    {
        "code": "moc-abim",
        "board": "ABIM",
        "name": "ABIM MOC Medical Knowledge points",
        "program": "the American Board of Internal Medicine's (ABIM) Maintenance of "
        "Certification (MOC) program",
        "singular": "ABIM Medical Knowledge MOC point",
        "plural": "ABIM Medical Knowledge MOC points",
        "partial": "learner_chooses",
        "statement": (
            "Successful completion of this CME activity, which includes participation in "
            "the evaluation component, enables the participant to earn up to {credits} in "
            "the American Board of Internal Medicine's (ABIM) Maintenance of Certification "
            "(MOC) program. It is the CME activity provider's responsibility to submit "
            "participant completion information to ACCME for the purpose of granting ABIM "
            "MOC credit."
        ),
    },
    {
        "code": "moc-abim-pa",
        "board": "ABIM",
        "short_name": "ABIM MOC Practice Assessment",
        "name": "ABIM MOC Practice Assessment points",
        "program": "the American Board of Internal Medicine's (ABIM) Maintenance of "
        "Certification (MOC) program",
        "singular": "ABIM Practice Assessment MOC point",
        "plural": "ABIM Practice Assessment MOC points",
        "partial": "learner_chooses",
        "statement": (
            "Successful completion of this CME activity, which includes participation in "
            "the evaluation component, enables the participant to earn up to {credits} in "
            "the American Board of Internal Medicine's (ABIM) Maintenance of Certification "
            "(MOC) program. It is the CME activity provider's responsibility to submit "
            "participant completion information to ACCME for the purpose of granting ABIM "
            "MOC credit."
        ),
    },
    {
        "code": "moc-abp",
        "board": "ABP",
        "name": "ABP MOC Part 2 points",
        "program": "the American Board of Pediatrics' (ABP) Maintenance of Certification "
        "(MOC) program",
        "singular": "ABP MOC Part 2 point",
        "plural": "ABP MOC Part 2 points",
        "partial": "not_allowed",
        "statement": (
            "Successful completion of this CME activity, which includes participation in "
            "the activity and individual assessment of and feedback to the learner, enables"
            " the learner to earn up to {credits} in the American Board of Pediatrics' "
            "(ABP) Maintenance of Certification (MOC) program. It is the CME activity "
            "provider's responsibility to submit learner completion information to ACCME "
            "for the purpose of granting ABP MOC credit."
        ),
    },
    {
        "code": "moc-aba",
        "board": "ABA",
        "name": "ABA MOCA 2.0® Lifelong Learning credits",
        "program": "the American Board of Anesthesiology's (ABA) redesigned Maintenance of "
        "Certification in Anesthesiology (MOCA®) program, known as MOCA 2.0®",
        "singular": "ABA MOCA 2.0® Lifelong Learning credit",
        "plural": "ABA MOCA 2.0® Lifelong Learning credits",
        "partial": "learner_chooses",
        "statement": (
            "This activity contributes to the CME component of the American Board of "
            "Anesthesiology's redesigned Maintenance of Certification in Anesthesiology™ "
            "(MOCA®) program, known as MOCA 2.0®, for up to {credits}. Please consult the "
            "ABA website, www.theABA.org, for a list of all MOCA 2.0 requirements."
        ),
    },
    {
        "code": "moc-abs",
        "board": "ABS",
        "name": "ABS Accredited CME credits",
        "program": "the American Board of Surgery's (ABS) Continuous Certification program",
        "singular": "ABS Accredited CME credit",
        "plural": "ABS Accredited CME credits",
        "partial": "learner_chooses",
        "statement": (
            "Successful completion of this CME activity enables the learner to earn up to "
            "{credits} toward the CME requirements of the American Board of Surgery's "
            "Continuous Certification program. It is the CME activity provider's "
            "responsibility to submit learner completion information to ACCME for the "
            "purpose of granting ABS credit."
        ),
    },
    {
        "code": "moc-abos",
        "board": "ABOS",
        "name": "ABOS MOC credits",
        "program": "the American Board of Orthopaedic Surgery's (ABOS) Maintenance of "
        "Certification program",
        "singular": "ABOS MOC credit",
        "plural": "ABOS MOC credits",
        "partial": "learner_chooses",
        "statement": (
            "Successful completion of this CME activity enables the learner to earn up to "
            "{credits} toward the CME requirements of the American Board of Orthopaedic "
            "Surgery's Maintenance of Certification program. It is the CME activity "
            "provider's responsibility to submit learner completion information to ACCME "
            "for the purpose of granting ABOS credit."
        ),
    },
    {
        "code": "moc-abohns",
        "board": "ABOHNS",
        "name": "ABOHNS Continuing Certification points",
        "program": "the American Board of Otolaryngology – Head and Neck Surgery's (ABOHNS) "
        "Continuing Certification program (formerly known as MOC)",
        "singular": "ABOHNS MOC point",
        "plural": "ABOHNS MOC points",
        "partial": "learner_chooses",
        "statement": (
            "Successful completion of this CME activity, which includes participation in "
            "the evaluation component, enables the participant to earn up to {credits} "
            "toward their required annual part II self-assessment credit in the American "
            "Board of Otolaryngology – Head and Neck Surgery's Continuing Certification "
            "program (formerly known as MOC). It is the CME activity provider's "
            "responsibility to submit participant completion information to ACCME for the "
            "purpose of recognizing participation."
        ),
    },
    {
        "code": "moc-abpath",
        "board": "ABPath",
        "name": "ABPath Lifelong Learning credits",
        "program": "the American Board of Pathology's (ABPath) Continuing Certification program",
        "singular": "ABPath Lifelong Learning credit",
        "plural": "ABPath Lifelong Learning credits",
        "partial": "learner_chooses",
        "statement": (
            "Successful completion of this CME activity, which includes participation in "
            "the evaluation component, enables the participant to earn up to {credits} in "
            "the American Board of Pathology's Continuing Certification program. It is the "
            "CME activity provider's responsibility to submit participant completion "
            "information to ACCME for the purpose of granting ABPath credit."
        ),
    },
    {
        "code": "moc-abts",
        "board": "ABTS",
        "name": "ABTS MOC credits",
        "program": "the American Board of Thoracic Surgery's (ABTS) Maintenance of "
        "Certification program",
        "singular": "ABTS MOC credit",
        "plural": "ABTS MOC credits",
        "partial": "learner_chooses",
        "statement": (
            "Successful completion of this CME activity enables the learner to earn up to "
            "{credits} toward the CME requirements of the American Board of Thoracic "
            "Surgery's Maintenance of Certification program. It is the CME activity "
            "provider's responsibility to submit learner completion information to ACCME "
            "for the purpose of granting ABTS credit."
        ),
    },
]

for _index, _moc in enumerate(MOC_PROGRAMS):
    CREDIT_TYPES.append(
        {
            "code": _moc["code"],
            "name": _moc["name"],
            # Short names are what PARS exports carry ("ABIM MOC"): kept as shipped before.
            "short_name": _moc.get("short_name", f"{_moc['board']} MOC"),
            "unit_singular": _moc["singular"],
            "unit": _moc["plural"],
            "partial_credit": _moc["partial"],
            # CME for MOC needs an evaluation of the learner with a passing standard.
            "post_test": "always",
            "accreditor": _moc["board"],
            "statement": _moc["statement"],
            "professions": ["physician"],
            "board": _moc["board"],
            "sort_order": 200 + _index,
        }
    )

# Specialty -> sub-specialties (ABMS specialties and the common allied ones).
SPECIALTIES: dict[str, list[str]] = {
    "Allergy and Immunology": [],
    "Anesthesiology": ["Critical Care Medicine", "Pain Medicine", "Pediatric Anesthesiology"],
    "Cardiology": ["Interventional Cardiology", "Electrophysiology", "Heart Failure"],
    "Dermatology": ["Dermatopathology", "Pediatric Dermatology"],
    "Emergency Medicine": ["Emergency Medical Services", "Medical Toxicology"],
    "Endocrinology": [],
    "Family Medicine": [
        "Geriatric Medicine",
        "Sports Medicine",
        "Hospice and Palliative Medicine",
    ],
    "Gastroenterology": ["Hepatology"],
    "General Surgery": ["Surgical Critical Care", "Vascular Surgery", "Pediatric Surgery"],
    "Hematology and Oncology": ["Medical Oncology", "Hematology"],
    "Hospital Medicine": [],
    "Infectious Disease": [],
    "Internal Medicine": [
        "Cardiovascular Disease",
        "Critical Care Medicine",
        "Endocrinology, Diabetes and Metabolism",
        "Gastroenterology",
        "Geriatric Medicine",
        "Infectious Disease",
        "Nephrology",
        "Pulmonary Disease",
        "Rheumatology",
    ],
    "Medical Genetics": [],
    "Nephrology": [],
    "Neurology": ["Clinical Neurophysiology", "Vascular Neurology", "Epilepsy"],
    "Nursing": ["Critical Care Nursing", "Medical-Surgical Nursing", "Oncology Nursing"],
    "Nutrition and Dietetics": [],
    "Obstetrics and Gynecology": ["Maternal-Fetal Medicine", "Gynecologic Oncology"],
    "Ophthalmology": [],
    "Optometry": [],
    "Orthopaedic Surgery": ["Orthopaedic Sports Medicine", "Hand Surgery"],
    "Otolaryngology": ["Neurotology", "Sleep Medicine"],
    "Pathology": ["Cytopathology", "Hematopathology", "Forensic Pathology"],
    "Pediatrics": [
        "Neonatal-Perinatal Medicine",
        "Pediatric Cardiology",
        "Pediatric Critical Care",
    ],
    "Pharmacy": ["Ambulatory Care", "Oncology Pharmacy", "Critical Care Pharmacy"],
    "Physical Medicine and Rehabilitation": ["Brain Injury Medicine", "Spinal Cord Injury"],
    "Plastic Surgery": [],
    "Preventive Medicine": ["Occupational Medicine", "Public Health"],
    "Psychiatry": ["Addiction Psychiatry", "Child and Adolescent Psychiatry"],
    "Psychology": [],
    "Pulmonology": [],
    "Radiology": ["Interventional Radiology", "Neuroradiology", "Nuclear Radiology"],
    "Rehabilitation Therapy": ["Physical Therapy", "Occupational Therapy", "Respiratory Therapy"],
    "Rheumatology": [],
    "Social Work": [],
    "Thoracic Surgery": ["Congenital Cardiac Surgery"],
    "Urology": ["Pediatric Urology"],
    "Dentistry": ["Oral and Maxillofacial Surgery", "Orthodontics"],
    "Other": [],
}


def load_reference_data(apps: Any) -> None:
    """Create or refresh the shipped rows; `apps` is a migration's app registry or django.apps."""
    Profession = apps.get_model("accreditation", "Profession")
    Credential = apps.get_model("accreditation", "Credential")
    Board = apps.get_model("accreditation", "Board")
    CreditType = apps.get_model("accreditation", "CreditType")
    Specialty = apps.get_model("accreditation", "Specialty")

    professions = {}
    for code, name, order in PROFESSIONS:
        professions[code], _ = Profession.objects.update_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
    credential_fields = {f.name for f in Credential._meta.get_fields()}
    for abbreviation, name, profession in CREDENTIALS:
        credential_defaults = {
            "name": name,
            "profession": professions[profession or "allied-health"],
            "implies_profession": bool(profession),
        }
        Credential.objects.update_or_create(
            abbreviation=abbreviation,
            defaults={k: v for k, v in credential_defaults.items() if k in credential_fields},
        )
    boards = {}
    for code, name, pars in BOARDS:
        boards[code], _ = Board.objects.update_or_create(
            code=code, defaults={"name": name, "reports_through_pars": pars}
        )
    # A migration's historical model may predate fields added later (rules, unit words):
    # set only the fields it has; the later migration that adds them loads them again.
    fields = {f.name for f in CreditType._meta.get_fields()}
    for spec in CREDIT_TYPES:
        defaults = {
            "name": spec["name"],
            "short_name": spec["short_name"],
            "unit": spec["unit"],
            "unit_singular": spec["unit_singular"],
            "partial_credit": spec["partial_credit"],
            "post_test": spec["post_test"],
            "accreditor": spec["accreditor"],
            "designation_statement": spec["statement"],
            "board": boards[spec["board"]] if spec.get("board") else None,
            "requires_nabp": spec.get("requires_nabp", False),
            "is_ipce": spec.get("is_ipce", False),
            "is_participation": spec.get("is_participation", False),
            "sort_order": spec["sort_order"],
        }
        credit_type, _ = CreditType.objects.update_or_create(
            code=spec["code"],
            defaults={k: v for k, v in defaults.items() if k in fields},
        )
        credit_type.professions.add(*(professions[code] for code in spec["professions"]))
    for name, subs in SPECIALTIES.items():
        parent, _ = Specialty.objects.get_or_create(name=name, parent=None)
        for sub in subs:
            Specialty.objects.get_or_create(name=sub, parent=parent)
