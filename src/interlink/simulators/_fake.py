"""Realistic vendor-neutral values (people, companies, deals) drawn from an `Rng`.

Vendors map these neutral facts onto their own field names and formats, so
every simulator speaks about the same kind of people and companies.
"""

from __future__ import annotations

from dataclasses import dataclass

from interlink.simulators._dataset import Rng

__all__ = ["Company", "Deal", "Person", "company", "deal", "person"]

FIRST_NAMES = (
    "Ada", "Alan", "Amara", "Ana", "Arjun", "Ben", "Camille", "Carlos", "Chen", "Chloé",
    "Daniel", "Dmitri", "Elena", "Emma", "Fatima", "Finn", "Grace", "Hana", "Hugo", "Ines",
    "Isaac", "Jamal", "Jane", "Jonas", "José", "Kai", "Karin", "Leila", "Liam", "Lucía",
    "Maya", "Mehmet", "Mia", "Noah", "Nora", "Olga", "Omar", "Priya", "Quentin", "Rosa",
    "Sam", "Sofia", "Søren", "Tariq", "Tess", "Uma", "Victor", "Wei", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Abebe", "Anderson", "Bauer", "Becker", "Brown", "Chen", "Costa", "Dubois", "Fischer",
    "García", "Gupta", "Hansen", "Ito", "Johnson", "Kim", "Kowalski", "Larsen", "Lee",
    "López", "Martin", "Müller", "Nakamura", "Nguyen", "O'Brien", "Okafor", "Patel",
    "Petrov", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Tanaka", "Taylor",
    "Wang", "Weber", "Williams", "Yilmaz", "Zhang",
)  # fmt: skip
COMPANY_WORDS = (
    "Acme", "Apex", "Atlas", "Beacon", "Birch", "Cobalt", "Crest", "Delta", "Ember", "Falcon",
    "Granite", "Harbor", "Helix", "Iris", "Juniper", "Keystone", "Lumen", "Maple", "Nimbus",
    "Nova", "Orbit", "Pioneer", "Quartz", "Redwood", "Summit", "Tandem", "Vertex", "Willow",
)  # fmt: skip
COMPANY_SUFFIXES = ("Labs", "Systems", "Group", "Analytics", "Logistics", "Health", "Foods",
                    "Energy", "Software", "Partners", "Robotics", "Media")  # fmt: skip
INDUSTRIES = ("COMPUTER_SOFTWARE", "HOSPITAL_HEALTH_CARE", "FINANCIAL_SERVICES", "RETAIL",
              "LOGISTICS_AND_SUPPLY_CHAIN", "MARKETING_AND_ADVERTISING", "RENEWABLES_ENVIRONMENT",
              "FOOD_BEVERAGES", "EDUCATION_MANAGEMENT")  # fmt: skip
JOB_TITLES = ("CEO", "CTO", "VP Sales", "Head of Marketing", "Account Executive", "Engineer",
              "Product Manager", "Operations Lead", "Data Analyst", "Success Manager")  # fmt: skip
# (city, country, ISO country code, phone country code)
CITIES = (
    ("Berlin", "Germany", "DE", "49"), ("Boston", "United States", "US", "1"),
    ("Lagos", "Nigeria", "NG", "234"), ("Lisbon", "Portugal", "PT", "351"),
    ("London", "United Kingdom", "GB", "44"), ("Madrid", "Spain", "ES", "34"),
    ("Mumbai", "India", "IN", "91"), ("Paris", "France", "FR", "33"),
    ("São Paulo", "Brazil", "BR", "55"), ("Seoul", "South Korea", "KR", "82"),
    ("Sydney", "Australia", "AU", "61"), ("Tokyo", "Japan", "JP", "81"),
    ("Toronto", "Canada", "CA", "1"), ("Austin", "United States", "US", "1"),
)  # fmt: skip
TLDS = (".com", ".io", ".co", ".net", ".dev")
EMAIL_PROVIDERS = ("gmail.com", "outlook.com", "proton.me", "yahoo.com")
DEAL_WORDS = ("Renewal", "Expansion", "New business", "Upsell", "Pilot", "Enterprise plan")

_ASCII = str.maketrans({"é": "e", "ç": "c", "í": "i", "ü": "u", "ø": "o", "ó": "o", "ã": "a",
                        "'": "", " ": ""})  # fmt: skip


def _slug(text: str) -> str:
    return text.lower().translate(_ASCII)


@dataclass(frozen=True, slots=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str
    job_title: str
    city: str
    country: str
    country_code: str
    company_name: str
    website: str
    score: int
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    domain: str
    industry: str
    employees: int
    annual_revenue: int
    city: str
    country: str
    phone: str


@dataclass(frozen=True, slots=True)
class Deal:
    name: str
    amount: float
    currency: str
    probability: float


def _company_name(rng: Rng) -> str:
    return f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"


def _phone(rng: Rng, country_code: str) -> str:
    return f"+{country_code} {rng.digits(3)} {rng.digits(3)} {rng.digits(4)}"


def person(rng: Rng, i: int) -> Person:
    """A person; `i` keeps emails unique across the whole dataset."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city, country, code, dial = rng.choice(CITIES)
    company_name = _company_name(rng)
    domain = _slug(company_name) + rng.choice(TLDS)
    mailbox = domain if rng.chance(0.8) else rng.choice(EMAIL_PROVIDERS)
    tags = tuple(t for t in ("newsletter", "beta", "vip", "partner") if rng.chance(0.25))
    return Person(
        first_name=first,
        last_name=last,
        email=f"{_slug(first)}.{_slug(last)}.{i}@{mailbox}",
        phone=_phone(rng, dial),
        job_title=rng.choice(JOB_TITLES),
        city=city,
        country=country,
        country_code=code,
        company_name=company_name,
        website=f"https://www.{domain}",
        score=rng.below(101),
        tags=tags,
    )


def company(rng: Rng, i: int) -> Company:
    name = _company_name(rng)
    city, country, _, dial = rng.choice(CITIES)
    employees = 1 + int(10 ** (rng.unit() * 4.5))
    return Company(
        name=name,
        domain=f"{_slug(name)}-{i}{rng.choice(TLDS)}",
        industry=rng.choice(INDUSTRIES),
        employees=employees,
        annual_revenue=employees * (40_000 + rng.below(160_000)),
        city=city,
        country=country,
        phone=_phone(rng, dial),
    )


def deal(rng: Rng, i: int) -> Deal:
    return Deal(
        name=f"{_company_name(rng)} — {rng.choice(DEAL_WORDS)} #{i}",
        amount=round(500 + rng.unit() * 250_000, 2),
        currency=rng.choice(("USD", "EUR", "GBP")),
        probability=round(rng.unit(), 2),
    )
