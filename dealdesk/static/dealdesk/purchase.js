/*
 * The buyer's Purchase dialog on the public quote page (R9). No framework, no inline script:
 * settings come from <script type="application/json" id="purchase-config"> (json_script),
 * texts from the translated template (payments/purchase_dialog.html).
 *
 *   1. Billing details → POST config.startUrl. 200: what Stripe's Payment Element needs;
 *      400: {errors: {field: message}}; 409/429/503: {error, code}, nothing charged.
 *   2. The Payment Element for the seller's connected account. Pay asks the server again
 *      first (it refuses an expired, changed or paid quote and reuses the same intent), then
 *      stripe.confirmPayment, then POST complete_url: the server settles from Stripe's word
 *      and answers with the receipt to go to.
 */
(function () {
  "use strict";

  var dialog = document.querySelector("[data-purchase-dialog]");
  var configScript = document.getElementById("purchase-config");
  var opener = document.querySelector("[data-purchase-open]");
  if (!dialog || !configScript || !opener || typeof dialog.showModal !== "function") return;

  var config = JSON.parse(configScript.textContent);
  var billingForm = dialog.querySelector("[data-purchase-step=billing]");
  var paymentForm = dialog.querySelector("[data-purchase-step=payment]");
  var csrfToken = billingForm.querySelector("input[name=csrfmiddlewaretoken]").value;

  var busy = false; // a request is running: no second submit, no closing
  var stripe = null;
  var stripeFor = ""; // publishable key + account the Stripe instance was made for
  var elements = null;
  var paymentElement = null;
  var mountedSecret = ""; // the client secret the Payment Element was mounted with
  var paymentReady = false;

  function one(selector, root) { return (root || dialog).querySelector(selector); }
  function all(selector, root) {
    return Array.prototype.slice.call((root || dialog).querySelectorAll(selector));
  }

  /* ---- Steps, progress, messages --------------------------------------- */

  function showStep(name) {
    [billingForm, paymentForm].forEach(function (form) {
      form.hidden = form.dataset.purchaseStep !== name;
    });
    all("[data-purchase-step-label]").forEach(function (label) {
      label.hidden = label.dataset.purchaseStepLabel !== name;
    });
  }

  function currentForm() { return billingForm.hidden ? paymentForm : billingForm; }

  function setBusy(form, on) {
    busy = on;
    var button = one("[data-purchase-submit]", form);
    var label = one("[data-purchase-button-label]", button);
    if (on) {
      label.dataset.idleLabel = label.textContent;
      label.textContent = button.dataset.busyLabel;
      one("[data-purchase-status]").textContent = button.dataset.busyLabel;
    } else if (label.dataset.idleLabel) {
      label.textContent = label.dataset.idleLabel;
    }
    one(".spinner", button).hidden = !on;
    form.setAttribute("aria-busy", on ? "true" : "false");
    all("button", form).forEach(function (b) { b.disabled = on; });
    all("[data-purchase-close]").forEach(function (b) { b.disabled = on; });
  }

  function showAlert(form, message, offerReload) {
    var alert = one("[data-purchase-alert]", form);
    one("[data-purchase-alert-text]", alert).textContent = message;
    one("[data-purchase-reload]", alert).hidden = !offerReload;
    alert.hidden = false;
    alert.focus();
  }

  function clearAlerts() {
    all("[data-purchase-alert]").forEach(function (alert) { alert.hidden = true; });
  }

  /* ---- Billing fields and their errors ---------------------------------- */

  function visibleFields() {
    // Fields that fit the chosen country (a hidden state field is not sent).
    return all("[data-purchase-field] :is(input, select)", billingForm).filter(function (el) {
      return !el.closest("[data-purchase-field]").hidden;
    });
  }

  function billingData() {
    var data = { quote_version: config.quoteVersion };
    visibleFields().forEach(function (el) {
      data[el.name] = el.type === "checkbox" ? el.checked : el.value.trim();
    });
    return data;
  }

  // What Stripe gets with the card: the same name, email and address.
  function billingDetails() {
    var data = billingData();
    var details = { name: data.name, email: data.email };
    var address = {};
    ["line1", "line2", "city", "state", "postal_code", "country"].forEach(function (name) {
      if (data[name]) address[name] = data[name];
    });
    if (Object.keys(address).length) details.address = address;
    return details;
  }

  function clearFieldErrors() {
    all("[data-purchase-error]").forEach(function (list) { list.remove(); });
    all(".field.has-error").forEach(function (field) { field.classList.remove("has-error"); });
    all("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
  }

  // Each message next to its field; the ones without a visible field go to the alert.
  function showFieldErrors(errors) {
    var unplaced = [];
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var input = visibleFields().filter(function (el) { return el.name === name; })[0];
      if (!input) {
        unplaced.push(errors[name]);
        return;
      }
      var list = document.createElement("ul");
      list.className = "errorlist";
      list.id = "purchase-" + name + "-error";
      list.setAttribute("data-purchase-error", "");
      var item = document.createElement("li");
      item.textContent = errors[name];
      list.appendChild(item);
      input.closest(".field").appendChild(list);
      input.closest(".field").classList.add("has-error");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", list.id);
    });
    showStep("billing");
    if (unplaced.length) showAlert(billingForm, unplaced.join(" "), false);
    first = visibleFields().filter(function (el) { return el.hasAttribute("aria-invalid"); })[0];
    if (first) first.focus();
  }

  function fitAddressToCountry() {
    var country = one("[data-purchase-country]");
    if (!country) return;
    var labels = config.addressLabels[country.value] || {};
    var state = one("[data-purchase-field=state]");
    state.hidden = !labels.state;
    if (labels.state) one("[data-purchase-label]", state).textContent = labels.state;
    var postalField = one("[data-purchase-field=postal_code]");
    postalField.hidden = labels.postal_code === "";  // a country without postal codes
    var postal = one("[data-purchase-label]", postalField);
    if (!postal.dataset.defaultLabel) postal.dataset.defaultLabel = postal.textContent;
    postal.textContent = labels.postal_code || postal.dataset.defaultLabel;
  }

  /* ---- Talking to the server -------------------------------------------- */

  // Resolves {status, body}; status 0 when the server could not be reached.
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken,
      },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(
        function (json) { return { status: response.status, body: json }; },
        function () { return { status: response.status, body: {} }; }
      );
    }, function () {
      return { status: 0, body: {} };
    });
  }

  // Start (or continue) the purchase: resolves the checkout, rejects with the refusal.
  function start() {
    return post(config.startUrl, billingData()).then(function (result) {
      if (result.status === 200) return result.body;
      throw result;
    });
  }

  function refused(form, failure) {
    setBusy(form, false);
    if (failure && failure.status === 400 && failure.body.errors) {
      showFieldErrors(failure.body.errors);
      return;
    }
    var message = config.messages.failed;
    if (failure && failure.status === 0) message = config.messages.offline;
    else if (failure && failure.body && failure.body.error) message = failure.body.error;
    showAlert(form, message, !!(failure && failure.body && failure.body.code === "changed"));
  }

  /* ---- The Payment Element ---------------------------------------------- */

  function mountPaymentElement(checkout) {
    one("[data-purchase-summary]").textContent = checkout.summary;
    if (checkout.client_secret === mountedSecret) return;
    if (typeof window.Stripe !== "function") {
      showAlert(paymentForm, config.messages.stripeMissing, false);
      return;
    }
    var key = checkout.publishable_key + " " + checkout.stripe_account;
    if (key !== stripeFor) {
      stripe = window.Stripe(checkout.publishable_key, {
        stripeAccount: checkout.stripe_account,
        locale: config.language,
      });
      stripeFor = key;
    }
    if (paymentElement) paymentElement.destroy();
    paymentReady = false;
    one("[data-purchase-element-loading]").hidden = false;
    elements = stripe.elements({ clientSecret: checkout.client_secret, locale: config.language });
    paymentElement = elements.create("payment");
    paymentElement.on("ready", function () {
      paymentReady = true;
      one("[data-purchase-element-loading]").hidden = true;
      if (!paymentForm.hidden && !busy) paymentElement.focus();
    });
    paymentElement.on("loaderror", function (event) {
      one("[data-purchase-element-loading]").hidden = true;
      var error = event && event.error;
      showAlert(paymentForm, (error && error.message) || config.messages.stripeMissing, false);
    });
    paymentElement.mount(one("[data-purchase-element]"));
    mountedSecret = checkout.client_secret;
  }

  // Stripe's 3-D Secure challenge is an overlay on the page, which a modal <dialog> (in the
  // top layer, everything else inert) would cover: stay open, but not modal, while confirming.
  function setModal(modal) {
    if (!dialog.open || dialog.matches(":modal") === modal) return;
    dialog.close();
    if (modal) dialog.showModal();
    else dialog.show();
    dialog.classList.toggle("is-confirming", !modal);
  }

  function confirmWithStripe(checkout) {
    setModal(false);
    return stripe.confirmPayment({
      elements: elements,
      confirmParams: {
        return_url: checkout.return_url,
        payment_method_data: { billing_details: billingDetails() },
      },
      redirect: "if_required",
    }).then(function (result) {
      setModal(true);
      if (result.error) {
        if (result.error.type === "card_error") post(checkout.complete_url); // record the decline
        setBusy(paymentForm, false);
        showAlert(paymentForm, result.error.message || config.messages.failed, false);
        return;
      }
      return complete(checkout);
    }, function (error) {
      setModal(true);
      throw error;
    });
  }

  function complete(checkout) {
    return post(checkout.complete_url).then(function (result) {
      if (result.status === 200 && result.body.status === "failed") {
        setBusy(paymentForm, false);
        showAlert(paymentForm, result.body.error || config.messages.failed, false);
        return;
      }
      one("[data-purchase-status]").textContent = config.messages.paid;
      // Settled: the receipt. Not settled yet (Stripe slow or unreachable): the receipt page
      // asks Stripe again and says so. The Pay button stays busy while the page changes.
      window.location.assign((result.status === 200 && result.body.redirect) || checkout.return_url);
    });
  }

  /* ---- Events ----------------------------------------------------------- */

  function focusStep() {
    if (!paymentForm.hidden) {
      if (paymentElement && paymentReady) paymentElement.focus();
      return;
    }
    var fields = visibleFields();
    var first = fields.filter(function (el) { return el.hasAttribute("aria-invalid"); })[0];
    (first || fields[0]).focus();
  }

  opener.addEventListener("click", function () {
    if (!dialog.open) dialog.showModal();
    focusStep();
  });

  all("[data-purchase-close]").forEach(function (button) {
    button.addEventListener("click", function () { if (!busy) dialog.close(); });
  });

  dialog.addEventListener("cancel", function (event) {
    if (busy) event.preventDefault(); // Esc while paying: the payment must finish first
  });

  all("[data-purchase-reload-button]").forEach(function (button) {
    button.addEventListener("click", function () { window.location.reload(); });
  });

  one("[data-purchase-back]").addEventListener("click", function () {
    if (busy) return;
    clearAlerts();
    showStep("billing");
    focusStep();
  });

  var country = one("[data-purchase-country]");
  if (country) country.addEventListener("change", fitAddressToCountry);
  fitAddressToCountry();

  billingForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return;
    clearAlerts();
    clearFieldErrors();
    setBusy(billingForm, true);
    start().then(function (checkout) {
      setBusy(billingForm, false);
      showStep("payment");
      mountPaymentElement(checkout);
      focusStep();
    }, function (failure) {
      refused(billingForm, failure);
    });
  });

  paymentForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy || !paymentReady) return;
    clearAlerts();
    setBusy(paymentForm, true);
    start().then(function (checkout) {
      if (checkout.client_secret !== mountedSecret) {
        // The earlier attempt could not be continued; this is a fresh one.
        setBusy(paymentForm, false);
        mountPaymentElement(checkout);
        showAlert(paymentForm, config.messages.cardAgain, false);
        return;
      }
      return confirmWithStripe(checkout);
    }).catch(function (failure) {
      refused(currentForm(), failure);
    });
  });
})();
