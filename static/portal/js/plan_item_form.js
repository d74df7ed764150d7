// Plan item form: the due date follows the month (the 25th) until the user picks a date of their own,
// and the 党小组 field shows only when the audience is a group.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-plan-item-form]");
  if (!form) return;
  const year = form.dataset.planYear;
  const month = form.querySelector("[name=month]");
  const due = form.querySelector("[name=due_date]");
  const suggested = (value) => `${year}-${String(value).padStart(2, "0")}-25`;
  if (month && due) {
    let follows = due.value === "" || due.value === suggested(month.value);
    due.addEventListener("input", () => {
      follows = due.value === "" || due.value === suggested(month.value);
    });
    month.addEventListener("change", () => {
      if (follows) due.value = suggested(month.value);
    });
  }
  const audience = form.querySelector("[name=audience]");
  const groupRow = form.querySelector("[data-field=group]");
  if (audience && groupRow) {
    const sync = () => {
      groupRow.hidden = audience.value !== "group" && !groupRow.querySelector(".errorlist");
    };
    audience.addEventListener("change", sync);
    sync();
  }
});
