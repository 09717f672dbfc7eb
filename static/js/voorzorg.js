// Voorzorg's own behaviour. A file, not inline script: the pages run under a strict CSP.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});
