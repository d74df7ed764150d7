// The print button of the meeting's QR page (the CSP allows no inline handlers).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-portal-print]")) {
    window.print();
  }
});
