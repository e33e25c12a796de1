// The simulator's "Dispositif": when the month changes, the dispositifs not in force that month are greyed out and
// the hint says which are. Progressive enhancement: the server checks the month and the dispositif again, and
// without this script every dispositif stays selectable (the hint then speaks of the month last sent).
(() => {
  const data = document.getElementById("periodes-dispositifs");
  const month = document.getElementById("id_mois");
  const select = document.getElementById("id_dispositif");
  const hint = document.getElementById("id_dispositif-hint");
  if (!data || !month || !select || !hint) return;
  const periods = JSON.parse(data.textContent);
  const names = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
  ];

  // "2026-03" (the month picker) or "03/2026" (typed where the browser has none) → "2026-03", else null.
  const parse = (value) => {
    let match = /^\s*(\d{4})-(\d{1,2})\s*$/.exec(value);
    let year, number;
    if (match) [, year, number] = match;
    else {
      match = /^\s*(\d{1,2})\s*\/\s*(\d{4})\s*$/.exec(value);
      if (!match) return null;
      [, number, year] = match;
    }
    number = Number(number);
    if (number < 1 || number > 12) return null;
    return `${year}-${String(number).padStart(2, "0")}`;
  };
  const inForce = (code, key) =>
    (periods[code] || []).some(([first, last]) => first <= key && (last === null || key <= last));

  // On load, the dispositif the server refused stays selected (its message is next to it); after a change of
  // month, a dispositif not in force is unselected.
  const update = (initial) => {
    const key = parse(month.value);
    if (key === null) return; // half typed: leave the list and the hint as they are
    const label = `${names[Number(key.slice(5)) - 1]} ${key.slice(0, 4)}`;
    const open = [];
    for (const option of select.options) {
      if (!option.value) continue;
      const ok = inForce(option.value, key) || (initial === true && option.selected);
      option.disabled = !ok;
      if (ok) open.push(option.textContent.trim());
    }
    if (select.selectedOptions[0] && select.selectedOptions[0].disabled) select.value = "";
    hint.textContent = open.length
      ? `En vigueur en ${label} : ${open.join(", ")}.`
      : `Aucun dispositif en ${label} : le barème commence en mars 2020.`;
  };

  month.addEventListener("input", () => update(false));
  month.addEventListener("change", () => update(false));
  update(true);
})();
