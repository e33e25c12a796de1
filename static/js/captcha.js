// "Nouveau code": fetches a new security code without reloading the page (django-simple-captcha's refresh view).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-captcha-refresh]");
  if (!button) return;
  event.preventDefault();
  const group = button.closest(".fr-input-group") || document;
  const response = await fetch(button.dataset.captchaRefresh, {
    headers: { "X-Requested-With": "XMLHttpRequest" },
    credentials: "same-origin",
  });
  if (!response.ok) return;
  const data = await response.json();
  group.querySelector("[data-captcha-image]").src = data.image_url;
  const audio = group.querySelector("[data-captcha-audio]");
  if (audio && data.audio_url) audio.src = data.audio_url;
  group.querySelector("input[type=hidden][name$='_0']").value = data.key;
  const answer = group.querySelector("input[name$='_1']");
  answer.value = "";
  answer.focus();
  answer.dispatchEvent(new Event("input", { bubbles: true }));
});
