// The DAP form: the "Sous-motif" only under the 5th motif ("Toute autre circonstance de caractère exceptionnel").
// Progressive enhancement: without JavaScript the field stays shown, and the server checks the pair anyway.
(() => {
  const motif = document.getElementById("id_motif");
  const block = document.querySelector("[data-sous-motif]");
  if (!motif || !block) return;
  const sousMotif = block.querySelector("select");
  const update = (clear) => {
    const autre = motif.value === "autre";
    // An error shown on the field stays visible, whatever the motif.
    block.hidden = !autre && !block.querySelector(".fr-error-text");
    if (clear && !autre && sousMotif) sousMotif.value = "";
  };
  motif.addEventListener("change", () => update(true));
  update(false);
})();
