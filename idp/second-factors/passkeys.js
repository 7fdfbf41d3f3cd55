// Passkeys on the sign-in, second-step and Add a passkey pages, with SimpleWebAuthn's browser
// bundle (loaded before this file). A form marked `data-passkey` asks its `data-options` URL for
// WebAuthn options (a POST carrying the form's CSRF token), runs the ceremony, and posts the
// browser's response in its hidden `response` field. Every other form works without script.
const { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, startAuthentication, startRegistration } =
  window.SimpleWebAuthnBrowser;

async function optionsFor(form) {
  const body = new URLSearchParams({ _csrf: form.elements._csrf.value });
  const answer = await fetch(form.dataset.options, {
    method: 'POST',
    body,
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
  });
  const json = await answer.json();
  if (!answer.ok) throw new Error(json.error_description || 'The passkey could not be started.');
  return json;
}

function tell(form, message) {
  const place = form.querySelector('[data-passkey-error]');
  if (place) {
    place.textContent = message;
    place.hidden = false;
  }
}

async function ceremony(form, options = {}) {
  const optionsJSON = await optionsFor(form);
  const response =
    form.dataset.passkey === 'register'
      ? await startRegistration({ optionsJSON })
      : await startAuthentication({ optionsJSON, ...options });
  form.elements.response.value = JSON.stringify(response);
  form.submit();
}

for (const form of document.querySelectorAll('form[data-passkey]')) {
  if (!browserSupportsWebAuthn()) {
    tell(form, 'This browser cannot use passkeys.');
    continue;
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ceremony(form).catch((error) => tell(form, error.message));
  });
  // Conditional mediation: the browser offers passkeys in the e-mail field's autofill.
  if (form.dataset.autofill !== undefined) {
    browserSupportsWebAuthnAutofill().then((supported) => {
      if (supported) ceremony(form, { useBrowserAutofill: true }).catch(() => {});
    });
  }
}
