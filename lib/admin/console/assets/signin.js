// The sign-in form: trades an admin API key for an HttpOnly session cookie, then shows the console.
const form = document.querySelector('form.key');
const error = form.querySelector('.error');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  const key = form.querySelector('input[name="api-key"]').value;
  try {
    const response = await fetch(form.dataset.session, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ key }),
    });
    if (response.ok) {
      location.reload();
      return;
    }
    error.textContent =
      response.status === 401 || response.status === 400
        ? 'That key is not an admin API key here.'
        : `HTTP ${response.status}`;
  } catch (failure) {
    error.textContent = `Could not reach the server: ${failure.message}`;
  }
});
