/*
 * DealDesk — small progressive enhancements. Every page works without this file.
 * Vendored alongside: htmx.min.js 2.0.11 (npm htmx.org, 0BSD) — see VENDORED.md.
 *
 *   data-confirm="Question?"      on a <form> or its submit button: asks in a <dialog> first
 *                                 (data-confirm-label="Delete" / data-confirm-danger for the OK button);
 *                                 hx-confirm on htmx elements uses the same dialog.
 *   data-copy="text"              on a button: copies the text; or
 *   data-copy-target="#id"        copies that input's value / element's text.
 *   POST forms                    the clicked button gets .is-loading and repeat submits are ignored
 *                                 until the page changes (opt out: data-no-lock).
 *   data-autosubmit               on a select/checkbox: submits its form on change (filters).
 *   data-dialog-open="#id"        on a button: opens that <dialog> as a modal;
 *   data-dialog-close             on a button inside a dialog: closes it.
 *   <details class="menu">        closes on outside click and Escape.
 *   data-print                    on a button: opens the browser's print dialog.
 *   [data-error-summary]          a form's error list (includes/error_summary.html): focused on load;
 *                                 its links move focus to their field.
 *   <body data-nav="deals">       marks the matching [data-nav-item] as aria-current="page".
 */
(function () {
  "use strict";

  var doc = document;

  function announce(text) {
    var live = doc.getElementById("dd-live");
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function liveString(name, fallback) {
    var live = doc.getElementById("dd-live");
    return (live && live.dataset[name]) || fallback;
  }

  /* ---- Confirm dialog ---------------------------------------------------- */

  // Resolves true when the user confirms. Uses the translated <template id="dd-confirm">
  // from the base templates; falls back to window.confirm.
  function askConfirm(message, options) {
    var tpl = doc.getElementById("dd-confirm");
    if (!tpl || typeof HTMLDialogElement === "undefined") {
      return Promise.resolve(window.confirm(message));
    }
    var dialog = tpl.content.firstElementChild.cloneNode(true);
    dialog.querySelector("[data-confirm-message]").textContent = message;
    var ok = dialog.querySelector("[data-confirm-ok]");
    if (options.label) ok.textContent = options.label;
    if (options.danger) {
      ok.classList.remove("btn-primary");
      ok.classList.add("btn-danger");
    }
    doc.body.appendChild(dialog);
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function () {
        resolve(dialog.returnValue === "confirm");
        dialog.remove();
      });
      dialog.showModal();
    });
  }

  function confirmOptions(el) {
    return {
      label: el && el.dataset.confirmLabel,
      danger: !!el && (el.hasAttribute("data-confirm-danger") || el.classList.contains("btn-danger")),
    };
  }

  /* ---- Forms: confirm, then lock against double submits ------------------ */

  function setLoading(form, submitter, on) {
    if (on) {
      form.dataset.submitting = "1";
      form.setAttribute("aria-busy", "true");
    } else {
      delete form.dataset.submitting;
      form.removeAttribute("aria-busy");
    }
    var buttons = submitter ? [submitter] : form.querySelectorAll("[type=submit]");
    Array.prototype.forEach.call(buttons, function (btn) {
      btn.classList.toggle("is-loading", on);
      if (on) btn.setAttribute("aria-disabled", "true");
      else btn.removeAttribute("aria-disabled");
    });
  }

  function isHtmx(form) {
    return form.matches("[hx-post], [hx-get], [hx-put], [hx-patch], [hx-delete], " +
      "[data-hx-post], [data-hx-get], [data-hx-put], [data-hx-patch], [data-hx-delete]");
  }

  doc.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitting) {
      event.preventDefault();
      return;
    }
    if (isHtmx(form)) return; // htmx elements use hx-confirm (handled below)
    var submitter = event.submitter || null;
    var message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (message && !form.dataset.confirmed) {
      event.preventDefault();
      var options = confirmOptions(form);
      if (submitter) {
        var fromButton = confirmOptions(submitter);
        options.label = fromButton.label || options.label;
        options.danger = fromButton.danger || options.danger;
      }
      askConfirm(message, options).then(function (yes) {
        if (!yes) return;
        form.dataset.confirmed = "1";
        if (form.requestSubmit) form.requestSubmit(submitter);
        else form.submit();
        delete form.dataset.confirmed;
      });
    }
  }, true);

  doc.addEventListener("submit", function (event) {
    var form = event.target;
    // htmx cancels the native submit of forms it handles, so those never get here.
    if (event.defaultPrevented || form.method !== "post") return;
    if (form.target || form.hasAttribute("data-no-lock")) return;
    var submitter = event.submitter || null;
    // aria-disabled (not disabled) so the clicked button's name/value is still submitted.
    setLoading(form, submitter, true);
    // A response that doesn't navigate (e.g. a download) must not lock the form forever.
    window.setTimeout(function () { setLoading(form, submitter, false); }, 15000);
  });

  // Coming back via the back button restores the page from cache: unlock it.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    Array.prototype.forEach.call(doc.querySelectorAll("form[data-submitting]"), function (form) {
      setLoading(form, null, false);
    });
  });

  doc.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit();
      else el.form.submit();
    }
  });

  // hx-confirm="…" goes through the same dialog.
  doc.addEventListener("htmx:confirm", function (event) {
    var question = event.detail && event.detail.question;
    if (!question) return;
    event.preventDefault();
    askConfirm(question, confirmOptions(event.detail.elt)).then(function (yes) {
      if (yes) event.detail.issueRequest(true);
    });
  });

  /* ---- Copy to clipboard ------------------------------------------------- */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain-http fallback (e.g. a LAN demo): copy through a temporary textarea.
    return new Promise(function (resolve, reject) {
      var area = doc.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      doc.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = doc.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      if (ok) resolve(); else reject(new Error("copy failed"));
    });
  }

  function copySource(btn) {
    if (btn.hasAttribute("data-copy") && btn.dataset.copy) return btn.dataset.copy;
    var target = btn.dataset.copyTarget && doc.querySelector(btn.dataset.copyTarget);
    if (!target) return "";
    return "value" in target ? target.value : target.textContent.trim();
  }

  doc.addEventListener("click", function (event) {
    var btn = event.target.closest("[data-copy], [data-copy-target]");
    if (!btn) return;
    event.preventDefault();
    var text = copySource(btn);
    if (!text) return;
    var labelEl = btn.querySelector("[data-copy-label]") || (btn.children.length ? null : btn);
    var copied = btn.dataset.copiedLabel || liveString("copied", "Copied");
    copyText(text).then(function () {
      announce(copied);
      btn.classList.add("is-copied");
      if (labelEl) {
        if (!labelEl.dataset.originalLabel) labelEl.dataset.originalLabel = labelEl.textContent;
        labelEl.textContent = copied;
      }
      window.clearTimeout(btn._ddCopyTimer);
      btn._ddCopyTimer = window.setTimeout(function () {
        btn.classList.remove("is-copied");
        if (labelEl) labelEl.textContent = labelEl.dataset.originalLabel;
      }, 2000);
    }, function () {
      announce(liveString("copyFailed", "Copying failed. Select the text and copy it manually."));
      var target = btn.dataset.copyTarget && doc.querySelector(btn.dataset.copyTarget);
      if (target && target.select) target.select();
    });
  });

  /* ---- Dialogs ----------------------------------------------------------- */

  doc.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = doc.querySelector(opener.dataset.dialogOpen);
      if (dialog && dialog.showModal) {
        event.preventDefault();
        dialog.showModal();
      }
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer && closer.closest("dialog")) {
      event.preventDefault();
      closer.closest("dialog").close();
    }
  });

  /* ---- Print (no inline handlers: the Content-Security-Policy forbids them) */

  doc.addEventListener("click", function (event) {
    if (!event.target.closest("[data-print]")) return;
    event.preventDefault();
    window.print();
  });

  /* ---- Disclosure menus -------------------------------------------------- */

  doc.addEventListener("click", function (event) {
    Array.prototype.forEach.call(doc.querySelectorAll("details.menu[open]"), function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  doc.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details.menu[open]");
    if (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  });

  /* ---- Navigation: {% block nav %} override ------------------------------ */

  function markNav() {
    var current = doc.body && doc.body.dataset.nav;
    if (!current) return;
    Array.prototype.forEach.call(doc.querySelectorAll("[data-nav-item]"), function (link) {
      if (link.dataset.navItem === current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
  }

  /* ---- Error summary: after a failed submit, start at the list of errors - */

  function focusErrorSummary() {
    var summary = doc.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }

  // A form that posts to "…#section" comes back scrolled there, and Chromium's scroll to the
  // fragment blurs the summary: focus it again once the page has loaded, unless the user
  // has moved on already.
  window.addEventListener("load", function () {
    window.setTimeout(function () {
      if (!doc.activeElement || doc.activeElement === doc.body) focusErrorSummary();
    }, 0);
  });

  doc.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = doc.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) return;
    event.preventDefault();
    field.focus();
  });

  function ready() {
    markNav();
    focusErrorSummary();
  }

  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
