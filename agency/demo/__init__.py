"""``agency demo``: demo organisations, users and cases (idempotent: running it again changes nothing)."""
from __future__ import annotations

from agency.db import atomic, utcnow
from agency.demo.cases import load_demo_cases
from agency.security import hash_password
from agency.tables import ContractAcceptance, Organisation, User
from cases.billing.service import CONTRACT_VERSION, snapshot_for

DEMO_PASSWORD = "demo-password"

ORGANISATIONS = [
    {
        "legal_name": "Distribuciones Levante S.L.", "country": "ES", "tax_id": "B46123451",
        "address_line1": "Calle de Colón 12", "city": "Valencia", "postal_code": "46004",
        "iban": "ES9121000418450200051332", "email": "cobros@levante.demo.test",
    },
    {
        "legal_name": "Suministros Atlántico S.A.", "country": "ES", "tax_id": "A28123453",
        "address_line1": "Calle de Alcalá 200", "city": "Madrid", "postal_code": "28028",
        "iban": "ES7620770024003102575766", "email": "finanzas@atlantico.demo.test",
    },
]

DEMO_BAR_NUMBER = "12.345 (ICAM)"
USERS = [  # (the demo lawyer signs filings with her bar membership number: DEMO_BAR_NUMBER)
    ("admin@demo.test", "Ana Administradora", "admin", None),
    ("negotiator@demo.test", "Nicolás Negociador", "negotiator", None),
    ("lawyer@demo.test", "Lucía Letrada", "lawyer", None),
    ("creditor@demo.test", "Carlos Acreedor", "creditor", "B46123451"),
    ("creditor2@demo.test", "Clara Acreedora", "creditor", "A28123453"),
]


async def load_demo() -> list[str]:
    created: list[str] = []
    async with atomic():
        org_ids: dict[str, int] = {}
        for org in ORGANISATIONS:
            row = await Organisation.select(Organisation.id).where(Organisation.tax_id == org["tax_id"]).first()
            if row is None:
                row = (await Organisation.insert(Organisation(**org)).returning(Organisation.id))[0]
                created.append(f"organisation {org['legal_name']}")
            org_ids[org["tax_id"]] = row["id"]
        password_hash = None
        for email, name, role, org_tax_id in USERS:
            if await User.exists().where(User.email == email):
                continue
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            await User.insert(
                User(email=email, name=name, role=role, organisation=org_ids.get(org_tax_id), password_hash=password_hash,
                     bar_number=DEMO_BAR_NUMBER if role == "lawyer" else "")
            )
            created.append(f"user {email}")
        # The demo creditors have accepted the service contract (a new organisation is asked on its first claim).

        for email, _name, role, org_tax_id in USERS:
            org_id = org_ids.get(org_tax_id)
            if role != "creditor" or await ContractAcceptance.exists().where(ContractAcceptance.organisation == org_id):
                continue
            user_id = (await User.select(User.id).where(User.email == email).first())["id"]
            await ContractAcceptance.insert(ContractAcceptance(organisation=org_id, user=user_id, version=CONTRACT_VERSION, ip="demo",
                                                               tariff=await snapshot_for(org_id)))
            await Organisation.update({Organisation.contract_version: CONTRACT_VERSION, Organisation.contract_accepted_at: utcnow()}).where(
                Organisation.id == org_id)

    created += await load_demo_cases()
    lines = [f"created: {c}" for c in created] or ["demo data already present: nothing to do"]
    lines.append(f"demo users (password '{DEMO_PASSWORD}'): " + ", ".join(u[0] for u in USERS))
    return lines
