"""The starting set of messages, written for this product in the debtor's four languages (Spanish, English,
French and Portuguese; the phone script only in Spanish and English), and the agency's default reminder
flow. Loaded once by ``agency migrate`` when a template or step is missing; admins edit them afterwards
(each edit a new version). A message opens with ``{{ greeting }}``: a person by name, a company as a company
(cases.messages.rules.greeting)."""
from __future__ import annotations

# key: (channel, name, {language: (subject, body)})
TEMPLATES: dict[str, tuple[str, str, dict[str, tuple[str, str]]]] = {
    "first_contact": ("email", "Primer contacto / First contact", {
        "es": ("Deuda pendiente con {{ creditor_name }} – expediente {{ reference }}",
               "{{ greeting }}\n\n{{ creditor_name }} nos ha encargado la gestión de las siguientes facturas, que figuran impagadas:\n\n"
               "{{ invoices_table }}\n\nImporte pendiente: {{ outstanding }}.\n\n"
               "Si ya las ha pagado, responda a este mensaje con el justificante y lo comprobaremos. Si no, puede pagar por transferencia a\n"
               "{{ payment_iban }} indicando el concepto «{{ payment_concept }}», o contestarnos para acordar una forma de pago a su medida.\n\n"
               "Vea su deuda y pague con tarjeta o Bizum en su página: {{ portal_url }}\n\nAtentamente,\n{{ agency_name }}"),
        "en": ("Outstanding debt with {{ creditor_name }} – case {{ reference }}",
               "{{ greeting }}\n\n{{ creditor_name }} has asked us to collect the following unpaid invoices:\n\n"
               "{{ invoices_table }}\n\nAmount outstanding: {{ outstanding }}.\n\n"
               "If you have already paid, reply with the proof of payment and we will check it. Otherwise you can pay by bank transfer to\n"
               "{{ payment_iban }} quoting \"{{ payment_concept }}\", or reply to agree a way of paying that suits you.\n\n"
               "See your debt and pay by card or Bizum on your page: {{ portal_url }}\n\nYours sincerely,\n{{ agency_name }}"),
        "fr": ("Dette impayée envers {{ creditor_name }} – dossier {{ reference }}",
               "{{ greeting }}\n\n{{ creditor_name }} nous a confié le recouvrement des factures suivantes, "
               "qui restent impayées :\n\n{{ invoices_table }}\n\nMontant restant dû : {{ outstanding }}.\n\n"
               "Si vous les avez déjà réglées, répondez à ce message en joignant le justificatif de paiement et nous le vérifierons. "
               "Sinon, vous pouvez payer par virement bancaire sur le compte\n"
               "{{ payment_iban }} en indiquant la référence « {{ payment_concept }} », ou nous répondre pour convenir "
               "d'un mode de paiement adapté à votre situation.\n\n"
               "Consultez votre dette et payez par carte sur votre espace personnel : {{ portal_url }}\n\n"
               "Cordialement,\n{{ agency_name }}"),
        "pt": ("Dívida pendente para com {{ creditor_name }} – processo {{ reference }}",
               "{{ greeting }}\n\n{{ creditor_name }} encarregou-nos da cobrança das seguintes faturas, "
               "que se encontram por pagar:\n\n{{ invoices_table }}\n\nMontante em dívida: {{ outstanding }}.\n\n"
               "Se já as pagou, responda a esta mensagem com o comprovativo de pagamento e iremos verificá-lo. "
               "Caso contrário, pode pagar por transferência bancária para\n"
               "{{ payment_iban }} indicando a referência «{{ payment_concept }}», ou responder-nos para acordar "
               "uma forma de pagamento adequada à sua situação.\n\n"
               "Consulte a sua dívida e pague com cartão na sua área pessoal: {{ portal_url }}\n\n"
               "Com os melhores cumprimentos,\n{{ agency_name }}"),
    }),
    "reminder": ("email", "Recordatorio / Reminder", {
        "es": ("Recordatorio: {{ outstanding }} pendientes – {{ reference }}",
               "{{ greeting }}\n\nLe recordamos que sigue pendiente el pago de {{ outstanding }} a {{ creditor_name }}, expediente {{ reference }}.\n\n"
               "{{ invoices_table }}\n\nPuede pagar por transferencia a {{ payment_iban }} (concepto «{{ payment_concept }}») "
               "o respondernos para proponer un plan de pagos.\n\nVea su deuda y pague con tarjeta o Bizum en su página: {{ portal_url }}\n\nAtentamente,\n{{ agency_name }}"),
        "en": ("Reminder: {{ outstanding }} outstanding – {{ reference }}",
               "{{ greeting }}\n\nThis is a reminder that {{ outstanding }} is still owed to {{ creditor_name }}, case {{ reference }}.\n\n"
               "{{ invoices_table }}\n\nYou can pay by bank transfer to {{ payment_iban }} (reference \"{{ payment_concept }}\") "
               "or reply to propose a payment plan.\n\nSee your debt and pay by card or Bizum on your page: {{ portal_url }}\n\nYours sincerely,\n{{ agency_name }}"),
        "fr": ("Rappel : {{ outstanding }} à régler – {{ reference }}",
               "{{ greeting }}\n\nNous vous rappelons que la somme de {{ outstanding }} reste due à {{ creditor_name }}, "
               "dossier {{ reference }}.\n\n{{ invoices_table }}\n\nVous pouvez payer par virement bancaire sur le compte "
               "{{ payment_iban }} (référence « {{ payment_concept }} ») ou nous répondre pour proposer un échéancier.\n\n"
               "Consultez votre dette et payez par carte sur votre espace personnel : {{ portal_url }}\n\n"
               "Cordialement,\n{{ agency_name }}"),
        "pt": ("Lembrete: {{ outstanding }} por pagar – {{ reference }}",
               "{{ greeting }}\n\nRecordamos-lhe que continua por pagar o montante de {{ outstanding }} "
               "a {{ creditor_name }}, processo {{ reference }}.\n\n{{ invoices_table }}\n\nPode pagar por transferência bancária "
               "para {{ payment_iban }} (referência «{{ payment_concept }}») ou responder-nos para propor um plano de pagamentos.\n\n"
               "Consulte a sua dívida e pague com cartão na sua área pessoal: {{ portal_url }}\n\n"
               "Com os melhores cumprimentos,\n{{ agency_name }}"),
    }),
    "overdue": ("email", "Deuda vencida / Overdue", {
        "es": ("Aviso: deuda vencida desde el {{ oldest_due_date }} – {{ reference }}",
               "{{ greeting }}\n\nNo hemos recibido respuesta a nuestros mensajes anteriores. La deuda de {{ outstanding }} "
               "con {{ creditor_name }} está vencida desde el {{ oldest_due_date }}.\n\nLe rogamos que la abone o se ponga en contacto con "
               "nosotros en un plazo de 10 días. De lo contrario, {{ creditor_name }} podrá iniciar otras acciones para su cobro, "
               "incluida la vía judicial.\n\nTransferencia: {{ payment_iban }} – concepto «{{ payment_concept }}».\n\nVea su deuda y pague con tarjeta o Bizum en su página: {{ portal_url }}\n\nAtentamente,\n{{ agency_name }}"),
        "en": ("Notice: debt overdue since {{ oldest_due_date }} – {{ reference }}",
               "{{ greeting }}\n\nWe have not heard from you about our previous messages. The debt of {{ outstanding }} to "
               "{{ creditor_name }} has been overdue since {{ oldest_due_date }}.\n\nPlease pay it or contact us within 10 days. Otherwise "
               "{{ creditor_name }} may take further steps to recover it, including legal action.\n\nBank transfer: {{ payment_iban }} – "
               "reference \"{{ payment_concept }}\".\n\nSee your debt and pay by card or Bizum on your page: {{ portal_url }}\n\nYours sincerely,\n{{ agency_name }}"),
        "fr": ("Avis : dette échue depuis le {{ oldest_due_date }} – {{ reference }}",
               "{{ greeting }}\n\nNous n'avons pas reçu de réponse à nos précédents messages. La dette de {{ outstanding }} "
               "envers {{ creditor_name }} est échue depuis le {{ oldest_due_date }}.\n\nNous vous prions de la régler ou de prendre "
               "contact avec nous dans un délai de 10 jours. À défaut, {{ creditor_name }} pourra engager d'autres démarches en vue "
               "de son recouvrement, y compris par voie judiciaire.\n\nVirement bancaire : {{ payment_iban }} – référence "
               "« {{ payment_concept }} ».\n\n"
               "Consultez votre dette et payez par carte sur votre espace personnel : {{ portal_url }}\n\n"
               "Cordialement,\n{{ agency_name }}"),
        "pt": ("Aviso: dívida vencida desde {{ oldest_due_date }} – {{ reference }}",
               "{{ greeting }}\n\nNão recebemos resposta às nossas mensagens anteriores. A dívida de "
               "{{ outstanding }} para com {{ creditor_name }} está vencida desde {{ oldest_due_date }}.\n\n"
               "Solicitamos que proceda ao respetivo pagamento ou que entre em contacto connosco no prazo de 10 dias. Caso contrário, "
               "{{ creditor_name }} poderá tomar outras medidas para a sua cobrança, incluindo a via judicial.\n\n"
               "Transferência bancária: {{ payment_iban }} – referência «{{ payment_concept }}».\n\n"
               "Consulte a sua dívida e pague com cartão na sua área pessoal: {{ portal_url }}\n\n"
               "Com os melhores cumprimentos,\n{{ agency_name }}"),
    }),
    "debt_summary": ("email", "Resumen de la deuda / Debt summary", {
        "es": ("Resumen de su deuda – {{ reference }}",
               "{{ greeting }}\n\nLe detallamos su deuda con {{ creditor_name }} a {{ today }}:\n\n"
               "{{ invoices_table }}\n\nFacturas: {{ principal }}\nIntereses de demora: {{ interest }}\n"
               "Costes de cobro e indemnización: {{ charges }}\nPagado: {{ paid }}\nTotal pendiente: {{ outstanding }}\n\n"
               "Transferencia: {{ payment_iban }} – concepto «{{ payment_concept }}».\n\nVea su deuda y pague con tarjeta o Bizum en su página: {{ portal_url }}\n\nAtentamente,\n{{ agency_name }}"),
        "en": ("Summary of your debt – {{ reference }}",
               "{{ greeting }}\n\nHere is the detail of your debt to {{ creditor_name }} as of {{ today }}:\n\n"
               "{{ invoices_table }}\n\nInvoices: {{ principal }}\nLate-payment interest: {{ interest }}\n"
               "Recovery costs and compensation: {{ charges }}\nPaid: {{ paid }}\nTotal outstanding: {{ outstanding }}\n\n"
               "Bank transfer: {{ payment_iban }} – reference \"{{ payment_concept }}\".\n\nSee your debt and pay by card or Bizum on your page: {{ portal_url }}\n\nYours sincerely,\n{{ agency_name }}"),
        "fr": ("Récapitulatif de votre dette – {{ reference }}",
               "{{ greeting }}\n\nVoici le détail de votre dette envers {{ creditor_name }} au {{ today }} :\n\n"
               "{{ invoices_table }}\n\nFactures : {{ principal }}\nIntérêts de retard : {{ interest }}\n"
               "Frais de recouvrement et indemnité : {{ charges }}\nRéglé : {{ paid }}\nTotal restant dû : {{ outstanding }}\n\n"
               "Virement bancaire : {{ payment_iban }} – référence « {{ payment_concept }} ».\n\n"
               "Consultez votre dette et payez par carte sur votre espace personnel : {{ portal_url }}\n\n"
               "Cordialement,\n{{ agency_name }}"),
        "pt": ("Resumo da sua dívida – {{ reference }}",
               "{{ greeting }}\n\nApresentamos o detalhe da sua dívida para com {{ creditor_name }} "
               "à data de {{ today }}:\n\n"
               "{{ invoices_table }}\n\nFaturas: {{ principal }}\nJuros de mora: {{ interest }}\n"
               "Custos de cobrança e indemnização: {{ charges }}\nPago: {{ paid }}\nTotal em dívida: {{ outstanding }}\n\n"
               "Transferência bancária: {{ payment_iban }} – referência «{{ payment_concept }}».\n\n"
               "Consulte a sua dívida e pague com cartão na sua área pessoal: {{ portal_url }}\n\n"
               "Com os melhores cumprimentos,\n{{ agency_name }}"),
    }),
    "promise_confirmation": ("email", "Confirmación de promesa / Promise confirmation", {
        "es": ("Confirmación de su compromiso de pago – {{ reference }}",
               "{{ greeting }}\n\nGracias por atender nuestra llamada. Confirmamos su compromiso de pagar {{ promise_amount }} "
               "el {{ promise_date }}.\n\nTransferencia: {{ payment_iban }} – concepto «{{ payment_concept }}».\n\nAtentamente,\n{{ agency_name }}"),
        "en": ("Confirmation of your promise to pay – {{ reference }}",
               "{{ greeting }}\n\nThank you for speaking with us. We confirm your promise to pay {{ promise_amount }} on "
               "{{ promise_date }}.\n\nBank transfer: {{ payment_iban }} – reference \"{{ payment_concept }}\".\n\nYours sincerely,\n{{ agency_name }}"),
        "fr": ("Confirmation de votre engagement de paiement – {{ reference }}",
               "{{ greeting }}\n\nNous vous remercions pour notre échange téléphonique. Nous confirmons votre engagement "
               "à payer {{ promise_amount }} le {{ promise_date }}.\n\nVirement bancaire : {{ payment_iban }} – référence "
               "« {{ payment_concept }} ».\n\nCordialement,\n{{ agency_name }}"),
        "pt": ("Confirmação do seu compromisso de pagamento – {{ reference }}",
               "{{ greeting }}\n\nAgradecemos a atenção dispensada à nossa chamada. Confirmamos o seu compromisso "
               "de pagar {{ promise_amount }} no dia {{ promise_date }}.\n\nTransferência bancária: {{ payment_iban }} – referência "
               "«{{ payment_concept }}».\n\nCom os melhores cumprimentos,\n{{ agency_name }}"),
    }),
    "instalment_due": ("email", "Plazo próximo / Instalment due", {
        "es": ("Plazo {{ instalment_number }} de {{ instalment_count }}: {{ instalment_amount }} el {{ instalment_date }}",
               "{{ greeting }}\n\nLe recordamos que el {{ instalment_date }} vence el plazo {{ instalment_number }} de "
               "{{ instalment_count }} de su plan de pagos: {{ instalment_amount }}.\n\nTransferencia: {{ payment_iban }} – concepto "
               "«{{ payment_concept }}».\n\nPague este plazo con tarjeta o Bizum en su página: {{ portal_url }}\n\nAtentamente,\n{{ agency_name }}"),
        "en": ("Instalment {{ instalment_number }} of {{ instalment_count }}: {{ instalment_amount }} on {{ instalment_date }}",
               "{{ greeting }}\n\nA reminder that instalment {{ instalment_number }} of {{ instalment_count }} of your payment "
               "plan, {{ instalment_amount }}, is due on {{ instalment_date }}.\n\nBank transfer: {{ payment_iban }} – reference "
               "\"{{ payment_concept }}\".\n\nPay this instalment by card or Bizum on your page: {{ portal_url }}\n\nYours sincerely,\n{{ agency_name }}"),
        "fr": ("Échéance {{ instalment_number }} sur {{ instalment_count }} : {{ instalment_amount }} le {{ instalment_date }}",
               "{{ greeting }}\n\nNous vous rappelons que l'échéance {{ instalment_number }} sur {{ instalment_count }} "
               "de votre échéancier, soit {{ instalment_amount }}, est à régler le {{ instalment_date }}.\n\n"
               "Virement bancaire : {{ payment_iban }} – référence « {{ payment_concept }} ».\n\nRéglez cette échéance par carte sur votre espace personnel : {{ portal_url }}\n\nCordialement,\n{{ agency_name }}"),
        "pt": ("Prestação {{ instalment_number }} de {{ instalment_count }}: {{ instalment_amount }} em {{ instalment_date }}",
               "{{ greeting }}\n\nRecordamos-lhe que no dia {{ instalment_date }} vence a prestação "
               "{{ instalment_number }} de {{ instalment_count }} do seu plano de pagamentos: {{ instalment_amount }}.\n\n"
               "Transferência bancária: {{ payment_iban }} – referência «{{ payment_concept }}».\n\n"
               "Pague esta prestação com cartão na sua área pessoal: {{ portal_url }}\n\nCom os melhores cumprimentos,\n{{ agency_name }}"),
    }),
    "instalment_missed": ("email", "Plazo impagado / Instalment missed", {
        "es": ("Plazo impagado – {{ reference }}",
               "{{ greeting }}\n\nNo nos consta el pago del plazo de su plan. Para mantener el plan, abone el importe "
               "pendiente o llámenos en los próximos días; si no, el plan quedará sin efecto y se reclamará el total, {{ outstanding }}.\n\n"
               "Transferencia: {{ payment_iban }} – concepto «{{ payment_concept }}».\n\nPague este plazo con tarjeta o Bizum en su página: {{ portal_url }}\n\nAtentamente,\n{{ agency_name }}"),
        "en": ("Missed instalment – {{ reference }}",
               "{{ greeting }}\n\nWe have not received the instalment of your plan. To keep the plan, please pay it or call us in "
               "the next few days; otherwise the plan will lapse and the full amount, {{ outstanding }}, will be claimed.\n\n"
               "Bank transfer: {{ payment_iban }} – reference \"{{ payment_concept }}\".\n\nPay this instalment by card or Bizum on your page: {{ portal_url }}\n\nYours sincerely,\n{{ agency_name }}"),
        "fr": ("Échéance impayée – {{ reference }}",
               "{{ greeting }}\n\nNous n'avons pas reçu le règlement de l'échéance prévue par votre échéancier. Pour "
               "maintenir cet échéancier, veuillez régler le montant dû ou nous appeler dans les prochains jours ; à défaut, "
               "l'échéancier deviendra caduc et la totalité de la somme, {{ outstanding }}, sera réclamée.\n\n"
               "Virement bancaire : {{ payment_iban }} – référence « {{ payment_concept }} ».\n\nRéglez cette échéance par carte sur votre espace personnel : {{ portal_url }}\n\nCordialement,\n{{ agency_name }}"),
        "pt": ("Prestação não paga – {{ reference }}",
               "{{ greeting }}\n\nNão temos registo do pagamento da prestação do seu plano. Para manter o plano, "
               "pague o montante em falta ou ligue-nos nos próximos dias; caso contrário, o plano ficará sem efeito e será reclamado "
               "o valor total, {{ outstanding }}.\n\n"
               "Transferência bancária: {{ payment_iban }} – referência «{{ payment_concept }}».\n\n"
               "Pague esta prestação com cartão na sua área pessoal: {{ portal_url }}\n\nCom os melhores cumprimentos,\n{{ agency_name }}"),
    }),
    "payment_received": ("email", "Pago recibido / Payment received", {
        "es": ("Hemos recibido su pago – {{ reference }}",
               "{{ greeting }}\n\nHemos recibido su pago de {{ last_payment_amount }}. Gracias.\n\n"
               "Importe pendiente: {{ outstanding }}.\n\nAtentamente,\n{{ agency_name }}"),
        "en": ("We have received your payment – {{ reference }}",
               "{{ greeting }}\n\nWe have received your payment of {{ last_payment_amount }}. Thank you.\n\n"
               "Amount still outstanding: {{ outstanding }}.\n\nYours sincerely,\n{{ agency_name }}"),
        "fr": ("Nous avons bien reçu votre paiement – {{ reference }}",
               "{{ greeting }}\n\nNous avons bien reçu votre paiement de {{ last_payment_amount }}. Merci.\n\n"
               "Montant restant dû : {{ outstanding }}.\n\nCordialement,\n{{ agency_name }}"),
        "pt": ("Recebemos o seu pagamento – {{ reference }}",
               "{{ greeting }}\n\nRecebemos o seu pagamento de {{ last_payment_amount }}. Agradecemos.\n\n"
               "Montante ainda em dívida: {{ outstanding }}.\n\nCom os melhores cumprimentos,\n{{ agency_name }}"),
    }),
    "settlement_offer": ("email", "Oferta de acuerdo / Settlement offer", {
        "es": ("Propuesta para cerrar su deuda – {{ reference }}",
               "{{ greeting }}\n\nEn nombre de {{ creditor_name }} le proponemos cerrar la deuda de {{ outstanding }} "
               "con un pago único de {{ settlement_amount }} en los próximos 30 días. Esta propuesta es un intento de solución "
               "extrajudicial: si no recibimos respuesta en 30 días la entenderemos rechazada.\n\nTransferencia: {{ payment_iban }} – "
               "concepto «{{ payment_concept }}».\n\nAtentamente,\n{{ agency_name }}"),
        "en": ("A proposal to settle your debt – {{ reference }}",
               "{{ greeting }}\n\nOn behalf of {{ creditor_name }} we propose to settle the debt of {{ outstanding }} with a "
               "single payment of {{ settlement_amount }} within 30 days. This proposal is an attempt to settle out of court: without an "
               "answer within 30 days we will take it as rejected.\n\nBank transfer: {{ payment_iban }} – reference "
               "\"{{ payment_concept }}\".\n\nYours sincerely,\n{{ agency_name }}"),
        "fr": ("Proposition pour solder votre dette – {{ reference }}",
               "{{ greeting }}\n\nAu nom de {{ creditor_name }}, nous vous proposons de solder la dette de {{ outstanding }} "
               "par un paiement unique de {{ settlement_amount }} dans les 30 prochains jours. Cette proposition est une tentative "
               "de règlement amiable : sans réponse de votre part sous 30 jours, nous la considérerons comme refusée.\n\n"
               "Virement bancaire : {{ payment_iban }} – référence « {{ payment_concept }} ».\n\nCordialement,\n{{ agency_name }}"),
        "pt": ("Proposta para liquidar a sua dívida – {{ reference }}",
               "{{ greeting }}\n\nEm nome de {{ creditor_name }}, propomos-lhe liquidar a dívida de {{ outstanding }} "
               "com um pagamento único de {{ settlement_amount }} nos próximos 30 dias. Esta proposta constitui uma tentativa de "
               "resolução extrajudicial: se não recebermos resposta no prazo de 30 dias, considerá-la-emos recusada.\n\n"
               "Transferência bancária: {{ payment_iban }} – referência «{{ payment_concept }}».\n\n"
               "Com os melhores cumprimentos,\n{{ agency_name }}"),
    }),
    "direct_debit_notice": ("email", "Aviso de adeudo directo / Direct debit notice", {
        "es": ("Aviso de adeudo: {{ debit_amount }} el {{ debit_date }} – {{ reference }}",
               "{{ greeting }}\n\nLe informamos de que el {{ debit_date }} cargaremos en su cuenta {{ debit_amount }}, "
               "el plazo de su plan de pagos con {{ creditor_name }}, expediente {{ reference }}, según el mandato de adeudo directo "
               "SEPA {{ mandate_reference }} (identificador del acreedor: {{ creditor_identifier }}).\n\nSi necesita cambiar algo, "
               "llámenos o escríbanos antes de esa fecha.\n\nAtentamente,\n{{ agency_name }}"),
        "en": ("Direct debit notice: {{ debit_amount }} on {{ debit_date }} – {{ reference }}",
               "{{ greeting }}\n\nWe will debit {{ debit_amount }} from your account on {{ debit_date }}, the instalment of "
               "your payment plan with {{ creditor_name }}, case {{ reference }}, under SEPA direct-debit mandate {{ mandate_reference }} "
               "(creditor identifier: {{ creditor_identifier }}).\n\nIf anything needs to change, call or write to us before "
               "that day.\n\nYours sincerely,\n{{ agency_name }}"),
        "fr": ("Avis de prélèvement : {{ debit_amount }} le {{ debit_date }} – {{ reference }}",
               "{{ greeting }}\n\nNous prélèverons {{ debit_amount }} sur votre compte le {{ debit_date }}, échéance de "
               "votre échéancier avec {{ creditor_name }}, dossier {{ reference }}, au titre du mandat de prélèvement SEPA "
               "{{ mandate_reference }} (identifiant créancier : {{ creditor_identifier }}).\n\nSi quelque chose doit changer, "
               "appelez-nous ou écrivez-nous avant cette date.\n\nCordialement,\n{{ agency_name }}"),
        "pt": ("Aviso de débito direto: {{ debit_amount }} em {{ debit_date }} – {{ reference }}",
               "{{ greeting }}\n\nInformamos que em {{ debit_date }} debitaremos {{ debit_amount }} na sua conta, "
               "a prestação do seu plano de pagamentos com {{ creditor_name }}, processo {{ reference }}, ao abrigo da autorização de "
               "débito direto SEPA {{ mandate_reference }} (identificador do credor: {{ creditor_identifier }}).\n\nSe for "
               "necessário alterar algo, contacte-nos antes dessa data.\n\nCom os melhores cumprimentos,\n{{ agency_name }}"),
    }),
    "whatsapp_first_contact": ("whatsapp", "WhatsApp: primer contacto / WhatsApp: first contact", {
        "es": ("", "Hola, {{ debtor_name }}:\n\nLe escribimos de {{ agency_name }} en nombre de {{ creditor_name }} por una deuda de "
                   "{{ outstanding }} (exp. {{ reference }}). ¿Podemos hablar para buscar una solución?"),
        "en": ("", "Hello {{ debtor_name }},\n\nThis is {{ agency_name }}, on behalf of {{ creditor_name }}, about a debt of {{ outstanding }} "
                   "(case {{ reference }}). Could we talk to find a solution?"),
        "fr": ("", "{{ greeting }}\n\n{{ agency_name }} vous contacte au nom de {{ creditor_name }} au sujet d'une dette "
                   "de {{ outstanding }} (dossier {{ reference }}). Pouvons-nous échanger pour trouver une solution ?"),
        "pt": ("", "Olá, {{ debtor_name }},\n\nEscrevemos-lhe de {{ agency_name }}, em nome de {{ creditor_name }}, a propósito de "
                   "uma dívida de {{ outstanding }} (proc. {{ reference }}). Podemos falar para encontrar uma solução?"),
    }),
    "script_first_call": ("script", "Guion: primera llamada / Script: first call", {
        "es": ("", "1. Preséntese: «Le llamo de {{ agency_name }} en nombre de {{ creditor_name }}». Confirme que habla con {{ debtor_name }} o con quien decide sus pagos.\n"
                   "2. Motivo: deuda de {{ outstanding }} (exp. {{ reference }}), la más antigua vencida el {{ oldest_due_date }}.\n"
                   "3. Escuche: ¿por qué no se ha pagado? (clasifique: intencional, negligente, circunstancial).\n"
                   "4. Proponga: pago hoy por transferencia ({{ payment_iban }}), una fecha concreta o un plan de pagos.\n"
                   "5. Cierre: confirme el compromiso y registre la llamada con su resultado."),
        "en": ("", "1. Introduce yourself: \"I am calling from {{ agency_name }} on behalf of {{ creditor_name }}\". Check you are speaking to "
                   "{{ debtor_name }} or to whoever decides their payments.\n2. Reason: a debt of {{ outstanding }} (case {{ reference }}), the oldest due on {{ oldest_due_date }}.\n"
                   "3. Listen: why was it not paid? (classify: intentional, negligent, circumstantial).\n"
                   "4. Propose: payment today by transfer ({{ payment_iban }}), a firm date, or an instalment plan.\n"
                   "5. Close: confirm the commitment and log the call with its outcome."),
    }),
    "callback_request": ("script", "Guion: petición de llamada a un tercero / Script: callback request to a third party", {
        "es": ("", "Para un familiar, el empleador u otra persona que no es el deudor. No mencione la deuda, el acreedor ni ningún importe.\n"
                   "1. «Buenos días, le llamo de {{ agency_name }}. Quería hablar con {{ debtor_name }} de un asunto personal.»\n"
                   "2. «¿Podría pedirle que nos llame al {{ agency_phone }}? Muchas gracias.»\n"
                   "3. Si le preguntan el motivo: «Lo siento, solo puedo tratarlo con {{ debtor_name }}.»\n"
                   "4. Registre la llamada indicando con quién habló."),
        "en": ("", "For a relative, the employer or anyone else who is not the debtor. Do not mention the debt, the creditor or any amount.\n"
                   "1. \"Good morning, I am calling from {{ agency_name }}. I would like to speak with {{ debtor_name }} about a personal matter.\"\n"
                   "2. \"Could you ask them to call us on {{ agency_phone }}? Thank you.\"\n"
                   "3. If asked why: \"I am sorry, I can only discuss it with {{ debtor_name }}.\"\n"
                   "4. Log the call, saying whom you spoke with."),
        "fr": ("", "Pour un proche, l'employeur ou toute personne autre que le débiteur. Ne mentionnez ni la dette, ni le créancier, ni aucun montant.\n"
                   "1. « Bonjour, je vous appelle de la part de {{ agency_name }}. Je souhaiterais parler à {{ debtor_name }} d'une affaire personnelle. »\n"
                   "2. « Pourriez-vous lui demander de nous rappeler au {{ agency_phone }} ? Merci beaucoup. »\n"
                   "3. Si l'on vous demande pourquoi : « Je suis désolé(e), je ne peux en parler qu'avec {{ debtor_name }}. »\n"
                   "4. Enregistrez l'appel en indiquant à qui vous avez parlé."),
        "pt": ("", "Para um familiar, a entidade patronal ou outra pessoa que não seja o devedor. Não mencione a dívida, o credor nem qualquer montante.\n"
                   "1. «Bom dia, ligo da parte de {{ agency_name }}. Gostaria de falar com {{ debtor_name }} sobre um assunto pessoal.»\n"
                   "2. «Pode pedir-lhe que nos ligue para o {{ agency_phone }}? Muito obrigado.»\n"
                   "3. Se lhe perguntarem o motivo: «Lamento, só posso tratar do assunto com {{ debtor_name }}.»\n"
                   "4. Registe a chamada, indicando com quem falou."),
    }),
}

# Templates for speaking with a third party (a relative, an employer): they ask only that the debtor call back and name no
# debt (cases.messages.rules.THIRD_PARTY_FIELDS, checked on every edit).
THIRD_PARTY_TEMPLATES = frozenset({"callback_request"})

# The agency's default reminder flow: (anchor, days after it, template)
DEFAULT_STEPS = [
    ("accepted", 0, "first_contact"),
    ("accepted", 7, "reminder"),
    ("accepted", 21, "overdue"),
]
