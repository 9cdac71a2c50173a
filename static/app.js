// Small progressive enhancements; every page works without this file.
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
// htmx: show server refusals (4xx fragments) instead of dropping them silently. A refused form's
// reasons (X-Form-Error, agency.web.refuse) go at the top of that form, and what was typed stays.
document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  const status = xhr.status;
  if (status < 400 || status >= 500) return;
  event.detail.isError = false;
  const source = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.target;
  const form = source && source.closest ? source.closest("form") : null;
  if (xhr.getResponseHeader("x-form-error") && form) {
    let box = form.querySelector(":scope > .form-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "form-error";
      box.setAttribute("role", "alert");
      form.prepend(box);
    }
    box.innerHTML = xhr.responseText;
    box.scrollIntoView({ block: "nearest" });
    event.detail.shouldSwap = false;
    return;
  }
  event.detail.shouldSwap = true;
});
// A form sent again without a refusal clears the last one's reasons.
document.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.target.closest ? event.target.closest("form") : null;
  const box = form && form.querySelector(":scope > .form-error");
  if (box) box.remove();
});

// Claim form: each chosen or dropped file is uploaded on its own, with a progress bar, and
// becomes a hidden evidence_id of the form. Without JavaScript the files go with the form.
(function () {
  const zone = document.getElementById("dropzone");
  if (!zone) return;
  const input = zone.querySelector("input[type=file]");
  const list = document.getElementById("uploads");
  const kind = document.getElementById("f-file_kind");
  const org = document.getElementById("f-organisation_id");
  const token = document.querySelector("meta[name=csrf-token]").content;
  const text = (s) => document.createTextNode(s);

  function upload(file) {
    const item = document.createElement("li");
    item.className = "upload";
    const name = document.createElement("span"); name.className = "name"; name.append(text(file.name));
    const bar = document.createElement("progress"); bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    const status = document.createElement("span"); status.className = "muted small";
    item.append(name, bar, status);
    list.append(item);
    const params = new URLSearchParams({ filename: file.name, kind: kind ? kind.value : "other" });
    if (org && org.value) params.set("organisation_id", org.value);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", zone.dataset.uploadUrl + "?" + params.toString());
    xhr.setRequestHeader("x-csrftoken", token);
    xhr.setRequestHeader("accept", "application/json");
    xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201) {
        bar.value = 100; item.classList.add("done");
        const hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = "evidence_id"; hidden.value = body.id;
        status.textContent = (body.size / 1024).toFixed(1) + " KB · SHA-256 " + body.sha256.slice(0, 12) + "…";
        const remove = document.createElement("button");
        remove.type = "button"; remove.className = "link danger"; remove.textContent = zone.dataset.removeLabel;
        remove.onclick = () => item.remove();
        item.append(hidden, remove);
      } else {
        item.classList.add("failed"); bar.remove();
        status.className = "error"; status.setAttribute("role", "alert");
        status.textContent = body.detail || ("HTTP " + xhr.status);
      }
    };
    xhr.onerror = () => { item.classList.add("failed"); status.className = "error"; status.textContent = "⚠"; };
    xhr.send(file);
  }

  input.addEventListener("change", () => { Array.from(input.files).forEach(upload); input.value = ""; });
  ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
  zone.addEventListener("drop", (e) => Array.from(e.dataTransfer.files).forEach(upload));
})();

// Any form with a <progress class="upload-progress">: send it with XHR to show upload progress.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const bar = form.querySelector("progress.upload-progress");
  if (!bar || event.defaultPrevented) return;
  event.preventDefault();
  bar.hidden = false;
  const xhr = new XMLHttpRequest();
  xhr.open(form.method, form.action);
  // Asked as htmx would: the server answers with HX-Redirect instead of a redirect the XHR would
  // follow on its own (which would use up the flash message meant for the next page).
  xhr.setRequestHeader("hx-request", "true");
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
  xhr.onload = () => {
    const target = xhr.getResponseHeader("hx-redirect");
    if (target) { window.location.href = target; }
    else { document.open(); document.write(xhr.responseText); document.close(); }
  };
  xhr.send(new FormData(form));
});

// Fields that belong to one outcome (the promise's date and amount with "Promise to pay") show only
// with it. Without JavaScript they are always there, and the server checks which outcome they go with.
function syncOutcomeFields(root) {
  root.querySelectorAll("[data-show-for-outcome]").forEach((box) => {
    const select = box.form && box.form.elements.namedItem("outcome");
    if (select) box.hidden = box.disabled = select.value !== box.getAttribute("data-show-for-outcome");  // disabled: not sent
  });
}
document.addEventListener("change", (event) => {
  if (event.target.name === "outcome" && event.target.form) syncOutcomeFields(event.target.form);
});
document.addEventListener("DOMContentLoaded", () => syncOutcomeFields(document));
document.addEventListener("htmx:afterSettle", (event) => syncOutcomeFields(event.target));

// The warning for a contact with a third party (never reveal the debt) shows when one is chosen; without JavaScript it
// is always there.
function syncPartyWarning(root) {
  root.querySelectorAll("[data-third-party-warning]").forEach((note) => {
    const select = note.closest("form") && note.closest("form").elements.namedItem("party");
    if (select) note.hidden = select.value === "debtor";
  });
}
document.addEventListener("change", (event) => {
  if (event.target.name === "party" && event.target.form) syncPartyWarning(event.target.form);
});
document.addEventListener("DOMContentLoaded", () => syncPartyWarning(document));
document.addEventListener("htmx:afterSettle", (event) => syncPartyWarning(event.target));

// What were inline handlers (the Content-Security-Policy runs no inline script): a "Remove" button removes its
// closest element named by data-remove; a read-only link field selects itself when clicked; the language menu
// goes back to the page it was changed on.
document.addEventListener("click", (event) => {
  const remover = event.target.closest && event.target.closest("[data-remove]");
  if (remover) {
    const item = remover.closest(remover.getAttribute("data-remove"));
    if (item) item.remove();
  }
  if (event.target.matches && event.target.matches("input[data-select-all]")) event.target.select();
});
document.addEventListener("change", (event) => {
  const select = event.target;
  if (!select.matches || !select.matches("select[data-language-switch]")) return;
  select.form.elements.next.value = location.pathname + location.search;
  select.form.submit();
});

// The case list's bulk bar: "select all on this page" checks the rows' boxes (named by data-check-all, in the same
// form or tied to it by form=); while the cases are worked on, the button waits and says so (the summary follows);
// with none ticked, the bar says so and nothing is sent (the server refuses it too, for a page without the script).
// A "select all" box is the table's header (wide screens) or the bar's own (phones, where the table is cards).
function rowsOf(box) {
  const name = box.getAttribute("data-check-all");
  const table = box.closest("table");
  if (table) return table.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
  return box.form ? document.querySelectorAll('input[type="checkbox"][name="' + name + '"][form="' + box.form.id + '"]') : [];
}
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!box.matches || !box.matches('input[name="ids"][form], input[data-check-all]')) return;
  let row = box;
  if (box.matches("input[data-check-all]")) {
    const rows = rowsOf(box);
    rows.forEach((r) => { r.checked = box.checked; });
    document.querySelectorAll('input[data-check-all="' + box.getAttribute("data-check-all") + '"]').forEach((other) => { other.checked = box.checked; });
    row = rows[0];
  }
  // a case ticked, one by one or all at once: the bulk bar's "select one first", if it said so, goes, and its line counts them
  const form = row && document.getElementById(row.getAttribute("form"));
  if (!form) return;
  const status = form.querySelector("[data-busy-status]");
  if (status) status.textContent = "";
  const count = document.querySelectorAll('input[name="ids"][form="' + form.id + '"]:checked').length;
  const counted = form.querySelector("[data-selected-count]");
  if (counted) counted.textContent = count ? "(" + count + ")" : "";
});
// On a phone the bar starts folded (once: a bar the reader opened stays open): it stood above every card.
function foldBulkBar() {
  const phone = window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
  document.querySelectorAll("details.bulk-box:not([data-seen])").forEach((box) => {
    box.setAttribute("data-seen", "");
    if (phone) box.open = false;
  });
}
foldBulkBar();
document.addEventListener("htmx:afterSettle", foldBulkBar);
// The bulk bar shows the fields of the action chosen, and the outcome only for a move to Closed (without the script, all
// of them: each action reads its own).
function bulkFields(select) {
  const to = select.form.elements.to;
  select.form.querySelectorAll(".bulk-field[data-action]").forEach((field) => {
    field.hidden = field.dataset.action !== select.value || Boolean(field.dataset.stage && to && to.value !== field.dataset.stage);
  });
}
document.querySelectorAll("select#bulk-action").forEach(bulkFields);
document.addEventListener("htmx:afterSettle", () => document.querySelectorAll("select#bulk-action").forEach(bulkFields));
document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches("select#bulk-action")) bulkFields(event.target);
  if (event.target.matches && event.target.matches("select#bulk-to")) bulkFields(event.target.form.elements.action);
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches || !form.matches("form[data-busy]") || event.defaultPrevented) return;
  const count = document.querySelectorAll('input[name="ids"][form="' + form.id + '"]:checked').length;
  const status = form.querySelector("[data-busy-status]");
  if (count === 0 && form.hasAttribute("data-none")) {  // nothing ticked: say so here, not on a page of its own
    event.preventDefault();
    if (status) status.textContent = form.getAttribute("data-none");
    return;
  }
  if (status) status.textContent = form.getAttribute("data-busy") + " (" + count + ")";
  form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
});

// The phone menu (templates/_topbar.html): the button shows and hides the main navigation.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-menu-toggle]");
  if (!button) return;
  const nav = document.getElementById(button.dataset.menuToggle);
  if (!nav) return;
  const open = nav.classList.toggle("open");
  button.setAttribute("aria-expanded", open ? "true" : "false");
});

// The keyboard (issue 23): a key on its own (no Ctrl, Alt or Meta, not while typing) reaches what the page marks with
// data-key: a form gets focus in its first field (its <details> opened), a link or button is followed. "/" is the
// search box, "?" lists the page's keys, j and k walk the rows of a list marked data-key-rows, Esc leaves a field.
(function () {
  const dialog = document.getElementById("keys-help");
  const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length || el.closest("details:not([open])"));
  const target = (key) => Array.from(document.querySelectorAll("[data-key]")).find((el) => el.dataset.key === key && visible(el));
  function reach(el) {
    let parent = el.closest("details");
    while (parent) { parent.open = true; parent = parent.parentElement.closest("details"); }
    if (el.tagName === "FORM" || el.tagName === "SECTION" || el.tagName === "DETAILS") {
      if (el.tagName === "DETAILS") el.open = true;
      const field = el.querySelector("input:not([type=hidden]):not([disabled]), select, textarea, button");
      if (field) { field.focus(); field.scrollIntoView({ block: "center" }); }
    } else if (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA") {
      el.focus(); if (el.select) el.select();
    } else {
      el.click();
    }
  }
  function rows(step) {
    const body = document.querySelector("[data-key-rows]");
    if (!body) return false;
    const links = Array.from(body.querySelectorAll("tr a[href]")).filter((a) => a === a.closest("tr").querySelector("a[href]"));
    if (!links.length) return false;
    const at = links.indexOf(document.activeElement);
    const next = links[Math.max(0, Math.min(links.length - 1, at < 0 ? 0 : at + step))];
    next.focus(); next.scrollIntoView({ block: "nearest" });
    return true;
  }
  function help() {
    if (!dialog) return;
    const list = dialog.querySelector("dl");
    list.replaceChildren();
    const seen = new Set();
    const entries = Array.from(dialog.querySelectorAll("template[data-key]")).map((t) => [t.dataset.key, t.dataset.keyLabel]);
    document.querySelectorAll("[data-key][data-key-label]").forEach((el) => { if (el.tagName !== "TEMPLATE" && visible(el)) entries.push([el.dataset.key, el.dataset.keyLabel]); });
    if (document.querySelector("[data-key-rows]")) entries.push(["j / k", dialog.dataset.rowsLabel]);
    entries.forEach(([key, label]) => {
      if (seen.has(key)) return; seen.add(key);
      const dt = document.createElement("dt"); const kbd = document.createElement("kbd"); kbd.textContent = key; dt.append(kbd);
      const dd = document.createElement("dd"); dd.textContent = label;
      list.append(dt, dd);
    });
    dialog.showModal();
  }
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (dialog && dialog.open) return;
    const key = event.key;
    if (key === "?") { event.preventDefault(); help(); return; }
    if ((key === "j" || key === "k") && rows(key === "j" ? 1 : -1)) { event.preventDefault(); return; }
    const el = target(key);
    if (el) { event.preventDefault(); reach(el); return; }
    // What the key reaches may be in a part of the case page not opened yet: open the parts, then reach it.
    if (document.querySelector("[data-lazy-part]") && /^[a-z0-9]$/.test(key)) {
      event.preventDefault();
      openParts(() => { const later = target(key); if (later) reach(later); });
    }
  });
  // htmx swaps are announced to screen readers: the swapped part's own status or alert, else its heading.
  const live = document.getElementById("live");
  document.addEventListener("htmx:afterSwap", (event) => {
    const part = event.detail.target;
    if (!live || !part) return;  // (a page restored from history has no target)
    const said = part.querySelector("[role=status], [role=alert], .flash, h2, h3");
    live.textContent = (said || part).textContent.trim().slice(0, 300);
  });
})();

// The case page's parts not rendered with it (templates/cases/detail.html: data-lazy-part) load when they come into view
// (htmx's "intersect once"); openParts loads every one still waiting (the event "open-part") and calls back once they are
// all in: for a key, a link to something inside a part (the header's "disputed" goes to #invoices) or an address naming it.
function openParts(then) {
  const waiting = Array.from(document.querySelectorAll("[data-lazy-part]"));
  if (!waiting.length || !window.htmx) { if (then) then(); return; }
  let left = waiting.length;
  const done = () => { left -= 1; if (left === 0 && then) then(); };
  waiting.forEach((el) => {
    el.removeAttribute("data-lazy-part");
    const settled = (event) => {
      if (event.detail.elt !== el && event.detail.requestConfig && event.detail.requestConfig.elt !== el) return;
      document.removeEventListener("htmx:afterSettle", settled);
      document.removeEventListener("htmx:responseError", settled);
      done();
    };
    document.addEventListener("htmx:afterSettle", settled);
    document.addEventListener("htmx:responseError", settled);
    window.htmx.trigger(el, "open-part");
  });
}
document.addEventListener("htmx:beforeRequest", (event) => {
  const el = event.detail.elt;
  if (el && el.hasAttribute && el.hasAttribute("data-lazy-part")) el.removeAttribute("data-lazy-part");  // (loading already)
});
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a[href^='#']");
  if (!link || link.getAttribute("href").length < 2) return;
  const id = link.getAttribute("href").slice(1);
  if (document.getElementById(id) || !document.querySelector("[data-lazy-part]")) return;
  event.preventDefault();
  openParts(() => { const el = document.getElementById(id); if (el) { history.replaceState(null, "", "#" + id); el.scrollIntoView({ block: "start" }); } });
});
// After an action taken in a part (its form sent, the page loaded again), the reader is back in that part, opened.
const RETURN_KEY = "agency-case-part";
document.addEventListener("submit", (event) => {
  const part = event.target.closest && event.target.closest(".case-part");
  if (part && document.querySelector("nav.case-parts")) sessionStorage.setItem(RETURN_KEY, location.pathname + "#" + part.id);
});
function returningTo() {
  const back = sessionStorage.getItem(RETURN_KEY);
  if (!back || location.hash || !back.startsWith(location.pathname + "#")) return "";
  return back.slice(location.pathname.length + 1);
}
// What the action answered (the page's flash messages, at its top) is put where the reader lands, just above that part:
// at the top of a long case page it went unseen (an outside tester: "nothing happened").
function bringFlash(el) {
  const flash = document.getElementById("flash");
  const messages = flash ? Array.from(flash.querySelectorAll(":scope > p.flash")) : [];
  if (!el || !messages.length) return el;
  const box = document.createElement("div");
  box.className = "moved-flash";
  box.setAttribute("role", "status");
  messages.forEach((m) => box.appendChild(m));
  el.before(box);
  return box;
}
document.addEventListener("DOMContentLoaded", () => {
  const back = returningTo();
  sessionStorage.removeItem(RETURN_KEY);
  const id = location.hash.slice(1) || back;
  if (!id || !document.querySelector("nav.case-parts")) return;
  if (document.querySelector("[data-lazy-part]") && (back || !document.getElementById(id))) {
    openParts(() => { const el = document.getElementById(id); if (el) bringFlash(el).scrollIntoView({ block: "start" }); });
  } else {
    const el = document.getElementById(id);
    const box = bringFlash(el);
    if (box && box !== el) box.scrollIntoView({ block: "start" });
  }
});

// The case page: a negotiator lands on Work and a lawyer on Legal (the page says which: data-landing) unless the address
// names a part; the bar marks the part in view, and names the case once its header has scrolled away.
(function () {
  const nav = document.querySelector("nav.case-parts");
  if (!nav) return;
  const header = document.querySelector(".case-header");
  const landing = nav.dataset.landing && document.getElementById(nav.dataset.landing);
  if (landing && !location.hash && !returningTo()) {
    landing.scrollIntoView({ block: "start" });
    // The legal part arrives by htmx after the page, and parts above the landing one may load after it (a lawyer's Work,
    // in view for a moment at the top, with its phone scripts and the bureau's panel): land again after each fragment
    // settles, on the court block when the case is in court (the filing and its next steps), until the reader moves
    // the page themselves.
    let moved = false;
    ["wheel", "touchmove", "keydown", "mousedown"].forEach((e) => window.addEventListener(e, () => { moved = true; }, { once: true, passive: true }));
    document.addEventListener("htmx:afterSettle", function settle() {
      if (moved) { document.removeEventListener("htmx:afterSettle", settle); return; }
      const court = nav.dataset.landing === "part-legal" && document.querySelector("#legal-court[data-land]");
      const target = court || document.getElementById(nav.dataset.landing);
      if (target) target.scrollIntoView({ block: "start" });
    });
  }
  // The part marked is the last one whose top has come up past a line 40 % down the view below the bar (a part merely
  // showing a few pixels behind the bar, or an earlier one in the bar's order, was marked before); a part chosen in the
  // bar stays marked until the reader scrolls themselves (near the page's end its top may never reach the line).
  const links = Array.from(nav.querySelectorAll("a[href^='#']"));
  let pending = false;
  let chosen = null;
  const mark = () => {
    pending = false;
    const below = Math.max(nav.getBoundingClientRect().bottom, 0);
    const line = below + 0.4 * (window.innerHeight - below);  // (a part whose top has come up to here fills most of the view)
    let current = chosen;
    let top = -Infinity;
    if (!chosen) links.forEach((a) => {
      const part = document.getElementById(a.getAttribute("href").slice(1));
      const at = part ? part.getBoundingClientRect().top : Infinity;
      if (at <= line && at > top) { top = at; current = a; }
    });
    if (!current) current = links.find((a) => { const part = document.getElementById(a.getAttribute("href").slice(1)); return part && part.getBoundingClientRect().top < window.innerHeight; }) || null;
    links.forEach((a) => a.setAttribute("aria-current", a === current ? "true" : "false"));
    if (header) nav.classList.toggle("stuck", header.getBoundingClientRect().bottom < 0);  // the header gone: the bar names the case
  };
  const soon = () => { if (!pending) { pending = true; window.requestAnimationFrame(mark); } };
  links.forEach((a) => a.addEventListener("click", () => { chosen = a; soon(); }));
  // (captured on the window: before the page's keys choose a part by its number)
  ["wheel", "touchmove", "keydown"].forEach((e) => window.addEventListener(e, () => { if (chosen) { chosen = null; soon(); } }, { passive: true, capture: true }));
  window.addEventListener("scroll", soon, { passive: true });
  window.addEventListener("resize", soon);
  document.addEventListener("htmx:afterSettle", soon);  // a part loaded replaces its placeholder
  soon();
})();

// A table that becomes cards on a phone (.table.cards, static/app.css) heads each cell with its column's name; cells
// the server did not label (data-label) take it from the table's header row.
(function () {
  const label = (root) => root.querySelectorAll("table.cards").forEach((table) => {
    const heads = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    if (!heads.length) return;
    table.querySelectorAll("tbody tr").forEach((row) => {
      let column = 0;
      Array.from(row.children).forEach((cell) => {
        // (a cell across the whole row, "nothing yet", is not one column's)
        if (!cell.hasAttribute("data-label") && heads[column] && (cell.colSpan || 1) === 1) cell.setAttribute("data-label", heads[column]);
        column += cell.colSpan || 1;
      });
    });
  });
  label(document);
  document.addEventListener("htmx:afterSwap", (event) => label((event.detail.target && event.detail.target.parentElement) || document));
})();
// Copy a value to the clipboard (the calendar feed's address on the legal queue, a new debtor link on the case page): the button
// names the input to copy.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  if (!input) return;
  input.select();
  const done = () => { button.textContent = button.dataset.copied || button.textContent; };
  if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, () => document.execCommand("copy") && done());
  else if (document.execCommand("copy")) done();
});

// Generating a document: the offer's discount is asked only for a template that prints a settlement offer (data-offer).
function offerField(select) {
  const field = select.form && select.form.querySelector(".offer-field");
  const option = select.selectedOptions[0];
  if (field) field.hidden = !(option && option.hasAttribute("data-offer"));
}
document.querySelectorAll("#generate-document select[name=template]").forEach(offerField);
document.addEventListener("htmx:afterSettle", () => document.querySelectorAll("#generate-document select[name=template]").forEach(offerField));
document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches("#generate-document select[name=template]")) offerField(event.target);
});

// Logging a contact: the "phone, email or address used" follows the channel chosen (what is on file for it), unless the
// negotiator typed something of their own.
const CONTACT_OF = { call: "phone", whatsapp: "phone", sms: "phone", email: "email", letter: "address", burofax: "address", visit: "address" };
document.addEventListener("change", (event) => {
  const kind = event.target;
  if (!kind.matches || !kind.matches("select#c-kind")) return;
  const field = kind.form && kind.form.elements.contact;
  if (!field || !field.dataset) return;
  const before = field.dataset.suggested !== undefined ? field.dataset.suggested : field.defaultValue;
  if (field.value !== before) return;  // typed over: theirs
  const wanted = CONTACT_OF[kind.value] ? field.dataset[CONTACT_OF[kind.value]] || "" : "";
  field.value = wanted;
  field.dataset.suggested = wanted;
});

// A list's filters restored from htmx's history show what its address says (the snapshot keeps the rows filtered but
// not what was typed: Forward showed a filtered list under an empty search box).
document.addEventListener("htmx:historyRestore", () => {
  const params = new URLSearchParams(location.search);
  document.querySelectorAll("form.filters[hx-push-url]").forEach((form) => {
    Array.from(form.elements).forEach((field) => {
      if (field.name && field.type !== "hidden" && field.type !== "submit") field.value = params.get(field.name) || "";
    });
  });
});
