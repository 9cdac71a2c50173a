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
// form or tied to it by form=); while the cases are worked on, the button waits and says so (the summary follows).
document.addEventListener("change", (event) => {
  const all = event.target;
  if (!all.matches || !all.matches("input[data-check-all]")) return;
  const table = all.closest("table");
  if (!table) return;
  table.querySelectorAll('input[type="checkbox"][name="' + all.getAttribute("data-check-all") + '"]').forEach((box) => {
    box.checked = all.checked;
  });
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches || !form.matches("form[data-busy]") || event.defaultPrevented) return;
  const count = document.querySelectorAll('input[name="ids"][form="' + form.id + '"]:checked').length;
  const status = form.querySelector("[data-busy-status]");
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

// Copy a value to the clipboard (the calendar feed's URL on the legal queue): the button names the input to copy.
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
