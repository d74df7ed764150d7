// The summary of a failed form (templates/components/form_errors.html) links each error to its field. Following
// an in-page link only scrolls; this also puts the caret in the field, so that it can be corrected at once.
document.addEventListener("click", (event) => {
  const link = event.target.closest(".form-errors a[href^='#']");
  if (!link) return;
  const field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
  if (!field) return;
  event.preventDefault();
  field.focus({ preventScroll: true });
  field.scrollIntoView({ block: "center" });
});
