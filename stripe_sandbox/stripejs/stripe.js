/*
 * Stripe.js for the DealDesk local Stripe sandbox (served at /v3/).
 *
 * Implements the subset of https://js.stripe.com/v3/ that DealDesk's buyer
 * page uses: Stripe(pk, {stripeAccount, locale}), elements({clientSecret,
 * appearance}), elements.create('payment').mount(), element.on('change'),
 * elements.submit(), stripe.confirmPayment / confirmSetup (with a 3-D Secure
 * challenge dialog), handleNextAction and retrievePaymentIntent /
 * retrieveSetupIntent.
 *
 * Unlike real Stripe.js the card form is rendered in the page itself (no
 * iframe), with labelled inputs, so browser tests can fill it directly.
 * API calls go to the origin this script was loaded from, with the
 * publishable key as the `key` parameter, as real Stripe.js does.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  var API_BASE = script && script.src ? new URL(script.src).origin : 'http://127.0.0.1:12111';
  var instanceCounter = 0;

  var LABELS = {
    en: { number: 'Card number', expiry: 'Expiration date', cvc: 'Security code', card: 'Card',
          dialogTitle: '3D Secure 2 Test Page',
          dialogText: 'This is a test authentication from the Stripe sandbox. Complete or fail it.',
          complete: 'Complete', fail: 'Fail' },
    fr: { number: 'Numéro de carte', expiry: "Date d'expiration", cvc: 'Code de sécurité',
          card: 'Carte', dialogTitle: 'Page de test 3D Secure 2',
          dialogText: 'Authentification de test du bac à sable Stripe.',
          complete: 'Complete', fail: 'Fail' },
    de: { number: 'Kartennummer', expiry: 'Ablaufdatum', cvc: 'Sicherheitscode', card: 'Karte',
          dialogTitle: '3D Secure 2 Testseite',
          dialogText: 'Test-Authentifizierung der Stripe-Sandbox.',
          complete: 'Complete', fail: 'Fail' },
    es: { number: 'Número de tarjeta', expiry: 'Fecha de caducidad', cvc: 'Código de seguridad',
          card: 'Tarjeta', dialogTitle: 'Página de prueba 3D Secure 2',
          dialogText: 'Autenticación de prueba del sandbox de Stripe.',
          complete: 'Complete', fail: 'Fail' }
  };

  var MESSAGES = {
    incomplete_number: 'Your card number is incomplete.',
    invalid_number: 'Your card number is invalid.',
    incomplete_expiry: "Your card's expiration date is incomplete.",
    invalid_expiry_month: "Your card's expiration date is invalid.",
    invalid_expiry_year_past: "Your card's expiration year is in the past.",
    invalid_expiry_month_past: "Your card's expiration date is in the past.",
    incomplete_cvc: "Your card's security code is incomplete."
  };

  function IntegrationError(message) {
    var error = new Error(message);
    error.name = 'IntegrationError';
    return error;
  }

  function labelsFor(locale) {
    var lang = String(locale || navigator.language || 'en').toLowerCase().split('-')[0];
    return LABELS[lang] || LABELS.en;
  }

  // Stripe's bracketed form encoding: a[b][0][c]=value.
  function encode(params, prefix, pairs) {
    pairs = pairs || [];
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      var name = prefix ? prefix + '[' + key + ']' : key;
      if (value === undefined || value === null) {
        return;
      }
      if (typeof value === 'object') {
        encode(value, name, pairs);
      } else {
        pairs.push(encodeURIComponent(name) + '=' + encodeURIComponent(String(value)));
      }
    });
    return pairs;
  }

  function intentIdFromSecret(clientSecret) {
    if (typeof clientSecret !== 'string' || clientSecret.indexOf('_secret_') < 0) {
      throw IntegrationError('Invalid value for clientSecret: ' + clientSecret);
    }
    return clientSecret.split('_secret_')[0];
  }

  function luhnValid(number) {
    var total = 0;
    for (var i = 0; i < number.length; i++) {
      var digit = parseInt(number.charAt(number.length - 1 - i), 10);
      if (i % 2 === 1) {
        digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      }
      total += digit;
    }
    return number.length >= 12 && total % 10 === 0;
  }

  function digits(value) {
    return String(value || '').replace(/\D/g, '');
  }

  /* ------------------------------------------------------------------ */

  function Stripe(publishableKey, options) {
    if (!(this instanceof Stripe)) {
      return new Stripe(publishableKey, options);
    }
    if (typeof publishableKey !== 'string' || publishableKey.indexOf('pk_') !== 0) {
      throw IntegrationError('Invalid API Key provided: ' + publishableKey);
    }
    options = options || {};
    this._key = publishableKey;
    this._stripeAccount = options.stripeAccount || null;
    this._locale = options.locale || 'auto';
  }

  Stripe.prototype._request = function (method, path, params) {
    var all = Object.assign({}, params || {}, { key: this._key });
    if (this._stripeAccount) {
      all._stripe_account = this._stripeAccount;
    }
    var body = encode(all).join('&');
    var url = API_BASE + path;
    var init = { method: method, headers: {} };
    if (method === 'GET') {
      url += '?' + body;
    } else {
      init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
      init.body = body;
    }
    return fetch(url, init).then(function (response) {
      return response.json().then(function (json) {
        return { ok: response.ok, status: response.status, body: json };
      });
    }, function () {
      return {
        ok: false,
        status: 0,
        body: { error: { type: 'api_connection_error',
                         message: 'We could not reach the Stripe sandbox at ' + API_BASE + '.' } }
      };
    });
  };

  Stripe.prototype.elements = function (options) {
    return new Elements(this, options || {});
  };

  Stripe.prototype.retrievePaymentIntent = function (clientSecret) {
    return this._retrieve('payment_intents', 'paymentIntent', clientSecret);
  };

  Stripe.prototype.retrieveSetupIntent = function (clientSecret) {
    return this._retrieve('setup_intents', 'setupIntent', clientSecret);
  };

  Stripe.prototype._retrieve = function (collection, resultKey, clientSecret) {
    var id = intentIdFromSecret(clientSecret);
    return this._request('GET', '/v1/' + collection + '/' + id, { client_secret: clientSecret })
      .then(function (result) {
        var out = {};
        if (result.ok) {
          out[resultKey] = result.body;
        } else {
          out.error = result.body.error;
        }
        return out;
      });
  };

  // For intents confirmed on the server that came back with `requires_action`.
  Stripe.prototype.handleNextAction = function (options) {
    var self = this;
    var clientSecret = (options || {}).clientSecret;
    var setup = String(clientSecret).indexOf('seti_') === 0;
    var kind = setup
      ? { collection: 'setup_intents', resultKey: 'setupIntent', errorKey: 'last_setup_error' }
      : { collection: 'payment_intents', resultKey: 'paymentIntent',
          errorKey: 'last_payment_error' };
    var id = intentIdFromSecret(clientSecret);
    return this._request('GET', '/v1/' + kind.collection + '/' + id,
                         { client_secret: clientSecret })
      .then(function (result) {
        if (!result.ok) {
          return { error: result.body.error };
        }
        return self._afterConfirm(result.body, clientSecret, kind);
      });
  };

  Stripe.prototype.confirmPayment = function (options) {
    return this._confirm(options || {}, {
      collection: 'payment_intents', resultKey: 'paymentIntent', errorKey: 'last_payment_error',
      secretParam: 'payment_intent_client_secret', idParam: 'payment_intent'
    });
  };

  Stripe.prototype.confirmSetup = function (options) {
    return this._confirm(options || {}, {
      collection: 'setup_intents', resultKey: 'setupIntent', errorKey: 'last_setup_error',
      secretParam: 'setup_intent_client_secret', idParam: 'setup_intent'
    });
  };

  Stripe.prototype._confirm = function (options, kind) {
    var self = this;
    var elements = options.elements;
    if (!elements || !(elements instanceof Elements)) {
      return Promise.reject(IntegrationError('Invalid value for confirm: elements is required.'));
    }
    var clientSecret = options.clientSecret || elements._clientSecret;
    var intentId = intentIdFromSecret(clientSecret);
    var confirmParams = options.confirmParams || {};
    var redirect = options.redirect || 'always';
    if (redirect !== 'if_required' && !confirmParams.return_url) {
      return Promise.reject(IntegrationError(
        'stripe.confirm requires confirmParams.return_url unless redirect is "if_required".'));
    }
    var element = elements.getElement('payment') || elements.getElement('card');
    if (!element || !element._root) {
      return Promise.reject(IntegrationError('The Payment Element is not mounted.'));
    }
    var collected = element._collect(true);
    if (collected.error) {
      return Promise.resolve({ error: collected.error });
    }
    var pmData = confirmParams.payment_method_data || {};
    var pmParams = { type: 'card', card: collected.card };
    if (pmData.billing_details) {
      pmParams.billing_details = pmData.billing_details;
    }
    element._setBusy(true);
    return self._request('POST', '/v1/payment_methods', pmParams).then(function (pmResult) {
      if (!pmResult.ok) {
        return { error: pmResult.body.error };
      }
      var params = {
        payment_method: pmResult.body.id,
        client_secret: clientSecret,
        return_url: confirmParams.return_url,
        use_stripe_sdk: 'true'
      };
      ['receipt_email', 'shipping', 'setup_future_usage'].forEach(function (name) {
        if (confirmParams[name] !== undefined) {
          params[name] = confirmParams[name];
        }
      });
      if (kind.collection === 'setup_intents') {
        delete params.receipt_email;
        delete params.shipping;
        delete params.setup_future_usage;
      }
      var path = '/v1/' + kind.collection + '/' + intentId + '/confirm';
      return self._request('POST', path, params).then(function (result) {
        if (!result.ok) {
          return { error: result.body.error };
        }
        return self._afterConfirm(result.body, clientSecret, kind);
      });
    }).then(function (outcome) {
      element._setBusy(false);
      if (outcome.error || redirect === 'if_required') {
        return outcome;
      }
      var url = new URL(confirmParams.return_url, window.location.href);
      url.searchParams.set(kind.idParam, intentId);
      url.searchParams.set(kind.secretParam, clientSecret);
      url.searchParams.set('redirect_status', 'succeeded');
      window.location.assign(url.toString());
      return new Promise(function () {});
    });
  };

  Stripe.prototype._afterConfirm = function (intent, clientSecret, kind) {
    var action = intent.next_action;
    var pending = Promise.resolve(intent);
    if (intent.status === 'requires_action' && action && action.type === 'use_stripe_sdk') {
      pending = showChallenge(this._locale).then(function (outcome) {
        return fetch(API_BASE + '/3ds/' + intent.id, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded',
                     Accept: 'application/json' },
          body: 'client_secret=' + encodeURIComponent(clientSecret) + '&outcome=' + outcome
        }).then(function (response) { return response.json(); });
      });
    }
    return pending.then(function (settled) {
      var out = {};
      if (settled.status === 'succeeded' || settled.status === 'processing' ||
          settled.status === 'requires_capture') {
        out[kind.resultKey] = settled;
        return out;
      }
      var error = Object.assign({}, settled[kind.errorKey] || {
        type: 'invalid_request_error',
        message: 'The payment could not be completed (status ' + settled.status + ').'
      });
      error[kind.collection === 'payment_intents' ? 'payment_intent' : 'setup_intent'] = settled;
      out.error = error;
      return out;
    }).catch(function () {
      return { error: { type: 'api_connection_error', message: 'The sandbox did not answer.' } };
    });
  };

  function showChallenge(locale) {
    var labels = labelsFor(locale);
    return new Promise(function (resolve) {
      var overlay = document.createElement('div');
      overlay.className = '__stripe-sandbox-3ds';
      overlay.style.cssText = ('position:fixed;inset:0;background:rgba(10,20,40,.55);' +
        'display:flex;align-items:center;justify-content:center;z-index:2147483647');
      var titleId = '__stripe-sandbox-3ds-title-' + (++instanceCounter);
      var dialog = document.createElement('div');
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.setAttribute('aria-labelledby', titleId);
      dialog.style.cssText = ('background:#fff;color:#1a1f36;border-radius:8px;padding:24px;' +
        'max-width:360px;font-family:system-ui,sans-serif;box-shadow:0 10px 40px rgba(0,0,0,.3)');
      var title = document.createElement('h2');
      title.id = titleId;
      title.textContent = labels.dialogTitle;
      var text = document.createElement('p');
      text.textContent = labels.dialogText;
      dialog.appendChild(title);
      dialog.appendChild(text);
      [['complete', labels.complete], ['fail', labels.fail]].forEach(function (choice) {
        var button = document.createElement('button');
        button.type = 'button';
        button.textContent = choice[1];
        button.style.cssText = ('margin-right:12px;padding:8px 16px;font:inherit');
        button.addEventListener('click', function () {
          overlay.remove();
          resolve(choice[0]);
        });
        dialog.appendChild(button);
      });
      overlay.appendChild(dialog);
      document.body.appendChild(overlay);
      dialog.querySelector('button').focus();
    });
  }

  /* ------------------------------------------------------------------ */

  function Elements(stripe, options) {
    this._stripe = stripe;
    this._clientSecret = options.clientSecret || null;
    this._appearance = options.appearance || {};
    this._locale = options.locale || stripe._locale;
    this._elements = {};
  }

  Elements.prototype.create = function (type, options) {
    if (type !== 'payment' && type !== 'card') {
      throw IntegrationError('The Stripe sandbox only supports the "payment" element, not "' +
        type + '".');
    }
    if (this._elements[type]) {
      throw IntegrationError('Can only create one Element of type ' + type + '.');
    }
    var element = new PaymentElement(this, type, options || {});
    this._elements[type] = element;
    return element;
  };

  Elements.prototype.getElement = function (type) {
    return this._elements[type] || null;
  };

  Elements.prototype.update = function (options) {
    options = options || {};
    if (options.appearance) {
      this._appearance = options.appearance;
    }
    if (options.locale) {
      this._locale = options.locale;
    }
    if (options.clientSecret) {
      this._clientSecret = options.clientSecret;
    }
    Object.keys(this._elements).forEach(function (key) {
      this._elements[key]._render();
    }, this);
  };

  Elements.prototype.submit = function () {
    var element = this.getElement('payment') || this.getElement('card');
    if (!element) {
      return Promise.resolve({ error: { type: 'validation_error',
                                        message: 'No Payment Element is mounted.' } });
    }
    var collected = element._collect(true);
    return Promise.resolve(collected.error ? { error: collected.error } : {});
  };

  Elements.prototype.fetchUpdates = function () {
    return Promise.resolve({});
  };

  /* ------------------------------------------------------------------ */

  function PaymentElement(elements, type, options) {
    this._elements = elements;
    this._type = type;
    this._options = options;
    this._handlers = {};
    this._root = null;
    this._id = ++instanceCounter;
  }

  PaymentElement.prototype.on = function (event, handler) {
    (this._handlers[event] = this._handlers[event] || []).push(handler);
    return this;
  };

  PaymentElement.prototype.off = function (event, handler) {
    var list = this._handlers[event] || [];
    this._handlers[event] = handler ? list.filter(function (h) { return h !== handler; }) : [];
    return this;
  };

  PaymentElement.prototype.once = function (event, handler) {
    var self = this;
    function wrapper(payload) {
      self.off(event, wrapper);
      handler(payload);
    }
    return this.on(event, wrapper);
  };

  PaymentElement.prototype._emit = function (event, payload) {
    (this._handlers[event] || []).slice().forEach(function (handler) {
      handler(payload);
    });
  };

  PaymentElement.prototype.mount = function (target) {
    var container = typeof target === 'string' ? document.querySelector(target) : target;
    if (!container) {
      throw IntegrationError('The selector you specified (' + target + ') applies to no DOM ' +
        'elements that are currently on the page.');
    }
    this._container = container;
    this._render();
    var self = this;
    var secret = this._elements._clientSecret;
    var check = secret
      ? this._elements._stripe._retrieve(
          secret.indexOf('seti_') === 0 ? 'setup_intents' : 'payment_intents', 'intent', secret)
      : Promise.resolve({});
    check.then(function (result) {
      if (result.error) {
        self._emit('loaderror', { elementType: self._type, error: result.error });
      } else {
        self._emit('ready', { elementType: self._type });
      }
    });
  };

  PaymentElement.prototype._render = function () {
    if (!this._container) {
      return;
    }
    var labels = labelsFor(this._elements._locale);
    var vars = Object.assign({
      colorPrimary: '#0570de', colorBackground: '#ffffff', colorText: '#30313d',
      colorDanger: '#df1b41', fontFamily: 'system-ui, sans-serif', borderRadius: '4px',
      spacingUnit: '4px'
    }, (this._elements._appearance || {}).theme === 'night'
      ? { colorBackground: '#30313d', colorText: '#ffffff' } : {},
      (this._elements._appearance || {}).variables || {});
    var values = this._root ? this._values() : { number: '', expiry: '', cvc: '' };
    var prefix = '__stripe-sandbox-' + this._id + '-';
    var root = document.createElement('div');
    root.className = '__stripe-sandbox-payment-element';
    root.setAttribute('data-elements-stable-field-name', 'payment');
    root.style.cssText = ('font-family:' + vars.fontFamily + ';color:' + vars.colorText);
    var field = 'display:block;width:100%;box-sizing:border-box;padding:' +
      'calc(' + vars.spacingUnit + ' * 3);border:1px solid #e6e6e6;border-radius:' +
      vars.borderRadius + ';background:' + vars.colorBackground + ';color:' + vars.colorText +
      ';font:inherit;margin-top:' + vars.spacingUnit;
    root.innerHTML =
      '<div role="group" aria-label="' + labels.card + '">' +
      '<div data-sandbox-style="margin-bottom:12px"><label for="' + prefix + 'number">' + labels.number +
      '</label><input id="' + prefix + 'number" name="cardnumber" autocomplete="cc-number" ' +
      'inputmode="numeric" placeholder="1234 1234 1234 1234" data-sandbox-style="' + field + '"></div>' +
      '<div data-sandbox-style="display:flex;gap:12px"><div data-sandbox-style="flex:1"><label for="' + prefix +
      'expiry">' + labels.expiry + '</label><input id="' + prefix + 'expiry" name="exp-date" ' +
      'autocomplete="cc-exp" inputmode="numeric" placeholder="MM / YY" data-sandbox-style="' + field +
      '"></div><div data-sandbox-style="flex:1"><label for="' + prefix + 'cvc">' + labels.cvc +
      '</label><input id="' + prefix + 'cvc" name="cvc" autocomplete="cc-csc" ' +
      'inputmode="numeric" placeholder="CVC" data-sandbox-style="' + field + '"></div></div>' +
      '<div role="alert" aria-live="polite" data-sandbox-style="color:' + vars.colorDanger +
      ';margin-top:8px;min-height:1em" class="__stripe-sandbox-error"></div></div>';
    // Styles through the CSSOM: a page whose Content-Security-Policy has no 'unsafe-inline'
    // (real Stripe.js keeps its fields in an iframe) refuses style attributes in markup.
    Array.prototype.forEach.call(root.querySelectorAll('[data-sandbox-style]'), function (el) {
      el.style.cssText = el.getAttribute('data-sandbox-style');
      el.removeAttribute('data-sandbox-style');
    });
    this._container.innerHTML = '';
    this._container.appendChild(root);
    this._root = root;
    this._inputs = {
      number: root.querySelector('#' + prefix + 'number'),
      expiry: root.querySelector('#' + prefix + 'expiry'),
      cvc: root.querySelector('#' + prefix + 'cvc')
    };
    this._errorBox = root.querySelector('.__stripe-sandbox-error');
    var self = this;
    Object.keys(this._inputs).forEach(function (name) {
      var input = self._inputs[name];
      input.value = values[name] || '';
      input.addEventListener('input', function () {
        self._format(name);
        self._showError(null);
        var state = self._collect(false);
        self._emit('change', {
          elementType: self._type,
          empty: !digits(self._inputs.number.value) && !digits(self._inputs.expiry.value) &&
            !digits(self._inputs.cvc.value),
          complete: !state.error,
          collapsed: false,
          value: { type: 'card' }
        });
      });
      input.addEventListener('focus', function () { self._emit('focus', { elementType: self._type }); });
      input.addEventListener('blur', function () { self._emit('blur', { elementType: self._type }); });
    });
  };

  PaymentElement.prototype._values = function () {
    return {
      number: this._inputs.number.value,
      expiry: this._inputs.expiry.value,
      cvc: this._inputs.cvc.value
    };
  };

  PaymentElement.prototype._format = function (name) {
    var input = this._inputs[name];
    var d = digits(input.value);
    if (name === 'number') {
      input.value = d.slice(0, 19).replace(/(\d{4})(?=\d)/g, '$1 ');
    } else if (name === 'expiry') {
      d = d.slice(0, 4);
      input.value = d.length > 2 ? d.slice(0, 2) + ' / ' + d.slice(2) : d;
    } else {
      input.value = d.slice(0, 4);
    }
  };

  PaymentElement.prototype._showError = function (error) {
    if (this._errorBox) {
      this._errorBox.textContent = error ? error.message : '';
    }
  };

  PaymentElement.prototype._setBusy = function (busy) {
    Object.keys(this._inputs || {}).forEach(function (name) {
      this._inputs[name].disabled = busy;
    }, this);
  };

  // Validates like the real element; `show` puts the message under the form.
  PaymentElement.prototype._collect = function (show) {
    var number = digits(this._inputs.number.value);
    var expiry = digits(this._inputs.expiry.value);
    var cvc = digits(this._inputs.cvc.value);
    var code = null;
    var month = parseInt(expiry.slice(0, 2), 10);
    var year = 2000 + parseInt(expiry.slice(2, 4), 10);
    var now = new Date();
    var cvcLength = /^3[47]/.test(number) ? 4 : 3;
    if (number.length < 13) {
      code = 'incomplete_number';
    } else if (!luhnValid(number)) {
      code = 'invalid_number';
    } else if (expiry.length < 4) {
      code = 'incomplete_expiry';
    } else if (month < 1 || month > 12) {
      code = 'invalid_expiry_month';
    } else if (year < now.getFullYear()) {
      code = 'invalid_expiry_year_past';
    } else if (year === now.getFullYear() && month < now.getMonth() + 1) {
      code = 'invalid_expiry_month_past';
    } else if (cvc.length < cvcLength) {
      code = 'incomplete_cvc';
    }
    if (code) {
      var error = { type: 'validation_error', code: code, message: MESSAGES[code] };
      if (show) {
        this._showError(error);
      }
      return { error: error };
    }
    return { card: { number: number, exp_month: month, exp_year: year, cvc: cvc } };
  };

  PaymentElement.prototype.unmount = function () {
    if (this._container) {
      this._container.innerHTML = '';
    }
    this._root = null;
    this._container = null;
  };

  PaymentElement.prototype.destroy = function () {
    this.unmount();
    delete this._elements._elements[this._type];
  };

  PaymentElement.prototype.clear = function () {
    Object.keys(this._inputs || {}).forEach(function (name) {
      this._inputs[name].value = '';
    }, this);
  };

  PaymentElement.prototype.focus = function () {
    if (this._inputs) {
      this._inputs.number.focus();
    }
  };

  PaymentElement.prototype.blur = function () {
    if (document.activeElement && this._root && this._root.contains(document.activeElement)) {
      document.activeElement.blur();
    }
  };

  PaymentElement.prototype.update = function (options) {
    Object.assign(this._options, options || {});
  };

  PaymentElement.prototype.collapse = function () {};

  window.Stripe = Stripe;
})();
