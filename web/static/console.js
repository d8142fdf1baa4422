// Progressive enhancement only: every page works without it.
// Buttons with data-confirm ask first; codes with data-copy copy on a tap.
document.addEventListener("click", (ev) => {
  const b = ev.target.closest("[data-confirm]");
  if (b && !window.confirm(b.dataset.confirm)) {
    ev.preventDefault();
  }
});
for (const el of document.querySelectorAll("[data-copy]")) {
  if (!navigator.clipboard) break;
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "link";
  btn.textContent = "copy";
  btn.addEventListener("click", () => navigator.clipboard.writeText(el.textContent).then(() => { btn.textContent = "copied"; }));
  el.after(" ", btn);
}
