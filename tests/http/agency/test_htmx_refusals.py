"""A part of a page refused (a form sent by htmx): the reason as a short fragment for the top of that form, never a whole
error page drawn inside the part; a part whose session is gone sends the whole page to sign in, and back to that page.
(An outside tester's finding: a contact form sent without its CSRF cookie showed the 403 page, top bar and all, in
the contact card, and what was typed was lost.)"""
from tests.factories import signed_in

HTMX = {"hx-request": "true", "hx-current-url": "http://testserver.local/cases/4?tab=work"}


async def test_a_refused_htmx_form_gets_its_reason_not_a_page(make_client):
    client, _user = await signed_in(make_client, "negotiator")
    client.cookies.delete("agency_csrf")
    r = await client.post("/cases/views", data={"name": "Mía"}, headers=HTMX)
    assert r.status_code == 403 and r.headers["x-form-error"] == "1" and r.headers["hx-retarget"] == "#flash"
    assert r.text == '<p class="error">El formulario ha caducado o se envió desde otro sitio. Recargue la página y vuelva a intentarlo.</p>'
    # the same form sent by the browser itself still gets the page
    page = await client.post("/cases/views", data={"name": "Mía"})
    assert page.status_code == 403 and "<html" in page.text
    assert "El formulario ha caducado" in page.text and "No tiene acceso" not in page.text  # the person may; the page was old


async def test_an_htmx_part_without_a_session_sends_the_page_to_sign_in(make_client):
    client = await make_client()
    r = await client.get("/queue", headers=HTMX)
    assert r.status_code == 401 and r.headers["hx-redirect"] == "/login?next=/cases/4%3Ftab%3Dwork" and not r.text
    plain = await client.get("/queue")
    assert plain.status_code == 303 and plain.headers["location"] == "/login?next=/queue"
