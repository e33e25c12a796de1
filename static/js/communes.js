// "Ville" is chosen among the communes of the "Code postal", in CRÉER MON ESPACE and in the fiche établissement
// alike — progressive enhancement; the server checks the choice again.
(() => {
  const form = document.querySelector("form[data-communes-url]");
  if (!form) return;
  const codePostal = form.querySelector("#id_code_postal");
  const villeGroup = form.querySelector("[data-ville-group]");
  if (!codePostal || !villeGroup) return;

  const replaceVille = (communes) => {
    const current = villeGroup.querySelector("#id_ville");
    const value = current.value;
    let field;
    if (communes.length) {
      field = document.createElement("select");
      field.className = "fr-select";
      field.add(new Option("Sélectionnez une ville", ""));
      communes.forEach((name) => field.add(new Option(name, name, false, name === value || communes.length === 1)));
    } else {
      field = document.createElement("input");
      field.type = "text";
      field.className = "fr-input";
      field.maxLength = 100;
      field.value = current.tagName === "SELECT" ? "" : value; // a commune of another code postal is no answer
    }
    field.id = "id_ville";
    field.name = "ville";
    field.required = current.required;
    // Keep what ties the field to its messages (error, hint) and its state.
    ["aria-invalid", "aria-describedby"].forEach((name) => {
      if (current.hasAttribute(name)) field.setAttribute(name, current.getAttribute(name));
    });
    const base = communes.length ? "fr-select" : "fr-input";
    current.classList.forEach((name) => {
      // Not greyed as INSEE's any more: the user changed the code postal.
      if (name === "fr-input" || name === "fr-select" || name === "apart-insee") return;
      field.classList.add(name.replace(/^fr-(input|select)--/, `${base}--`)); // fr-input--error → fr-select--error
    });
    current.replaceWith(field);
    const wrapper = field.closest(".fr-select-group, .fr-input-group");
    if (wrapper) {
      const kind = communes.length ? "fr-select-group" : "fr-input-group";
      const hasError = /--error/.test(wrapper.className);
      wrapper.className = hasError ? `${kind} ${kind}--error` : kind;
    }
    form.dispatchEvent(new Event("change", { bubbles: true }));
  };

  codePostal.addEventListener("input", async () => {
    const code = codePostal.value.trim();
    if (!/^[0-9]{5}$/.test(code)) return;
    const response = await fetch(`${form.dataset.communesUrl}?code_postal=${code}`, { credentials: "same-origin" });
    // Answers may arrive out of order: apply only the one for the code postal shown now.
    if (!response.ok || codePostal.value.trim() !== code) return;
    const { communes } = await response.json();
    if (codePostal.value.trim() === code) replaceVille(communes);
  });
})();
