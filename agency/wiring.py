"""The shell's wiring: what the foundation and the capabilities must not know of each other, joined at start.

- template globals the pages use (stage labels, procedures, document templates, filing statuses, deadlines);
- the domain's errors, mapped to the foundation's handlers (a missing statutory rate, a refused plan);
- the case-event subscribers (legal reacts to what happens in cases: a certified demand restarts limitation; creditors'
  webhooks are written);
- what legal provides the debtor's page (the documents that are the debtor's: cases.portal.service.provide_documents),
  and the debtor's data rights (what legal holds about them: cases.privacy.service.provide_section);
- the decisions legal asks of the creditor, listed on their home (cases.home.service.provide_decisions).

`wire()` is idempotent; the app factory, the worker and the CLI call it before serving or working."""
from __future__ import annotations

from agency.errors import EXCEPTION_HANDLERS, field_errors_handler, missing_rate_handler
from agency.templating import Translated, register_globals
from cases import events
from cases.complaints.rules import CAUSES as COMPLAINT_CAUSES
from cases.complaints.rules import OUTCOMES as COMPLAINT_OUTCOMES
from cases.complaints.rules import SOURCES as COMPLAINT_SOURCES
from cases.conversation.service import cases_data as conversation_cases_data
from cases.conversation.service import on_case_event as conversation_on_case_event
from cases.conversation.service import stored_files as conversation_stored_files
from cases.home.service import provide_decisions
from cases.negotiation.rules import PlanError
from cases.notifications.rules import EVENT_KINDS as NOTIFICATION_KINDS
from cases.notifications.service import on_anonymised as notifications_on_anonymised
from cases.notifications.service import on_case_event as notifications_on_case_event
from cases.notifications.service import on_case_events as notifications_on_case_events
from cases.portal.service import provide_documents
from cases.privacy.service import provide_section
from cases.stages.rules import OUTCOME_LABELS, STAGE_LABELS
from cases.webhooks.rules import KIND_TO_TYPE as WEBHOOK_KINDS
from cases.webhooks.service import on_case_event as webhooks_on_case_event
from legal.court.rules import STATUS_LABELS as FILING_STATUS_LABELS
from legal.court.service import on_insolvency as court_on_insolvency
from legal.court.steps import STEP_LABELS as FILING_STEP_LABELS
from legal.documents.service import TEMPLATES as DOCUMENT_TEMPLATES
from legal.documents.signed import SIGNED, debtor_document, debtor_documents
from legal.documents.signed import on_case_event as documents_on_case_event
from legal.handoff.service import waiting_answers as legal_waiting_answers
from legal.limitation.service import on_case_event as limitation_on_case_event
from legal.personal_data import cases_data as legal_cases_data
from legal.personal_data import on_case_event as legal_data_on_case_event
from legal.personal_data import stored_files as legal_stored_files
from legal.rules.deadlines import DEADLINE_RULES
from legal.rules.jurisdictions import MissingRate
from legal.rules.procedures import PROCEDURES

# Which error each domain exception becomes, in the foundation's words (422 with what is missing; a form's reasons).
DOMAIN_ERRORS = {MissingRate: missing_rate_handler, PlanError: field_errors_handler}

EXCEPTION_HANDLERS_WITH_DOMAIN = {**DOMAIN_ERRORS, **EXCEPTION_HANDLERS}


def wire() -> None:
    register_globals(STAGE_LABELS=Translated(STAGE_LABELS), OUTCOME_LABELS=Translated(OUTCOME_LABELS), DOCUMENT_TEMPLATES={**DOCUMENT_TEMPLATES, **SIGNED}, PROCEDURES=PROCEDURES,
                     FILING_STATUS_LABELS=FILING_STATUS_LABELS, FILING_STEP_LABELS=FILING_STEP_LABELS, DEADLINE_RULES=DEADLINE_RULES,
                     COMPLAINT_SOURCES=COMPLAINT_SOURCES, COMPLAINT_CAUSES=COMPLAINT_CAUSES, COMPLAINT_OUTCOMES=COMPLAINT_OUTCOMES)
    for kind in ("contact", "acknowledgement"):
        events.subscribe(kind, limitation_on_case_event)
    events.subscribe("acknowledgement", documents_on_case_event)  # the debtor's accepted acknowledgement becomes a document
    provide_documents(debtor_documents, debtor_document)
    # a debtor's data rights: what legal holds goes into their export, and is blanked when they are anonymised
    provide_section("legal", legal_cases_data, legal_stored_files)
    events.subscribe("anonymised", legal_data_on_case_event)
    provide_decisions("legal_action", legal_waiting_answers)  # the creditor's home asks legal which proposals wait for them
    provide_section("conversation", conversation_cases_data, conversation_stored_files)  # the creditor's and the agency's messages
    events.subscribe("anonymised", conversation_on_case_event)
    events.subscribe("insolvency", court_on_insolvency)  # a debtor in concurso: the month to communicate the claim opens
    for kind in WEBHOOK_KINDS:  # creditors' systems are told (cases.webhooks): a delivery per endpoint, in the event's transaction
        events.subscribe(kind, webhooks_on_case_event)
    for kind in NOTIFICATION_KINDS:  # users are told (cases.notifications): a row per user told, in the event's transaction
        events.subscribe(kind, notifications_on_case_event, many=notifications_on_case_events)
    events.subscribe("anonymised", notifications_on_anonymised)  # the conversation's excerpts go with the debtor's data
