// CRÉER MON ESPACE, step 2 — progressive enhancement; the server checks everything again.
(() => {
  const form = document.querySelector("[data-account-form]");
  if (!form) return;
  const submit = form.querySelector("[data-submit]");
  const why = document.getElementById(submit.dataset.submit);

  // ENVOYER stays greyed until every required field and the captcha are filled. It keeps its focus and says
  // why it is greyed (aria-disabled, not disabled, so that assistive technology reaches it and its reason).
  const requiredFields = () =>
    Array.from(form.querySelectorAll("input[required], select[required], textarea[required]")).filter(
      (field) => field.type !== "hidden" && field.type !== "checkbox",
    );
  const missing = () => requiredFields().filter((field) => field.value.trim() === "");
  const updateSubmit = () => {
    const incomplete = missing().length > 0;
    submit.setAttribute("aria-disabled", incomplete ? "true" : "false");
    submit.classList.toggle("apart-waiting", incomplete);
    why.hidden = !incomplete;
    if (incomplete) submit.setAttribute("aria-describedby", why.id);
    else submit.removeAttribute("aria-describedby");
  };
  submit.addEventListener("click", (event) => {
    if (submit.getAttribute("aria-disabled") === "true") {
      event.preventDefault();
      const first = missing()[0];
      if (first) first.focus();
    }
  });
  form.addEventListener("input", updateSubmit);
  form.addEventListener("change", updateSubmit);

  // The two "Confirmer courriel" fields must be typed: pasting (or dropping) is refused.
  form.querySelectorAll("[data-nopaste]").forEach((field) => {
    const message = document.createElement("p");
    message.className = "fr-message";
    message.id = `${field.id}-nopaste`;
    message.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", message);
    const refuse = (event) => {
      event.preventDefault();
      message.className = "fr-message fr-message--info";
      message.textContent = "Le copier/coller est interdit : saisissez à nouveau l'adresse électronique.";
    };
    field.addEventListener("paste", refuse);
    field.addEventListener("drop", refuse);
  });

  updateSubmit();
})();
