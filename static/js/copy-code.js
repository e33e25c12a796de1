// "Copier le code": copies the text of the element named by data-copy-target, then says so in the live region
// named by data-copy-status. Without JavaScript the button stays hidden and the code is plain selectable text.
(() => {
  const selectText = (element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  };

  const fallbackCopy = (element) => {
    selectText(element);
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  };

  document.querySelectorAll("button[data-copy-target]").forEach((button) => {
    const target = document.getElementById(button.dataset.copyTarget);
    const status = document.getElementById(button.dataset.copyStatus);
    if (!target) return;
    button.hidden = false;
    const say = (message) => {
      if (!status) return;
      // Emptied first: the same message said twice is announced twice.
      status.textContent = "";
      window.setTimeout(() => {
        status.textContent = message;
      }, 50);
    };
    button.addEventListener("click", async () => {
      const text = target.textContent.trim();
      let copied = false;
      if (navigator.clipboard && window.isSecureContext) {
        try {
          await navigator.clipboard.writeText(text);
          copied = true;
        } catch {
          copied = false;
        }
      }
      if (!copied) copied = fallbackCopy(target);
      if (copied) {
        say("Code copié");
      } else {
        selectText(target);
        say("Le code est sélectionné : copiez-le avec Ctrl+C (ou Cmd+C).");
      }
    });
  });
})();
