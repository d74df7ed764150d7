// 我的学习: live character count under each 心得 textarea (textarea[data-counter] names the counter's id).
// Event delegation, so the forms that htmx swaps in keep working.
document.addEventListener("input", (event) => {
  const area = event.target.closest("textarea[data-counter]");
  if (!area) return;
  const counter = document.getElementById(area.dataset.counter);
  // Count characters as the server does (code points of the trimmed text).
  if (counter) counter.textContent = String(Array.from(area.value.trim()).length);
});
