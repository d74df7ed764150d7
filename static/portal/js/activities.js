// Meeting pages (activities/views.py). Progressive enhancement only: every form works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Schedule / edit / amend: show the 党课 and 主题党日 fields when they apply, keep the length when the start
  // moves, and tick "书记讲党课" when the chosen lecturer is the organisation's secretary.
  const form = document.querySelector("[data-meeting-form]");
  if (form) {
    const kind = form.querySelector("[name=kind]");
    const lecture = form.querySelector("[data-meeting-lecture]");
    const themeDay = form.querySelector("[data-field=theme_day_parts]");
    const countsAs = Array.from(form.querySelectorAll("[name=counts_as]"));
    const hasErrors = (element) => element !== null && element.querySelector(".errorlist") !== null;
    const lectureFilled = () =>
      lecture !== null &&
      Array.from(lecture.querySelectorAll("select, input[type=text]")).some((input) => input.value !== "");
    const sync = () => {
      const value = kind ? kind.value : "";
      const checked = (name, part) => form.querySelector(`[name=${name}][value=${part}]:checked`) !== null;
      if (themeDay) themeDay.hidden = value !== "theme_day" && !hasErrors(themeDay);
      if (lecture) {
        lecture.hidden = !(
          value === "party_lecture" ||
          checked("counts_as", "party_lecture") ||
          (value === "theme_day" && checked("theme_day_parts", "lecture")) ||
          lectureFilled() ||
          hasErrors(lecture)
        );
      }
      // A meeting always counts as its own kind: that box would say nothing.
      countsAs.forEach((box) => {
        box.closest(".form-check").hidden = box.value === value;
      });
    };
    form.addEventListener("change", sync);
    sync();

    const lecturer = form.querySelector("[name=lecturer]");
    const isSecretary = form.querySelector("[name=lecturer_is_secretary]");
    if (lecturer && isSecretary) {
      const secretaries = (lecturer.dataset.secretaries || "").split(" ").filter(Boolean);
      lecturer.addEventListener("change", () => {
        if (secretaries.includes(lecturer.value)) isSecretary.checked = true;
      });
    }

    const starts = form.querySelector("[name=starts_at]");
    const ends = form.querySelector("[name=ends_at]");
    if (starts && ends) {
      const pad = (n) => String(n).padStart(2, "0");
      const format = (d) =>
        `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      let length = new Date(ends.value) - new Date(starts.value);
      ends.addEventListener("change", () => {
        length = new Date(ends.value) - new Date(starts.value);
      });
      starts.addEventListener("change", () => {
        const start = new Date(starts.value);
        if (!Number.isNaN(start.getTime()) && length > 0) ends.value = format(new Date(start.getTime() + length));
      });
    }

    // New meeting: the topic follows the study plan of the chosen month until the secretary types their own.
    const suggestions = document.getElementById("meeting-plan-suggestions");
    const topic = form.querySelector("[name=topic]");
    if (suggestions && starts && topic) {
      const byMonth = JSON.parse(suggestions.textContent);
      const pick = () => byMonth[starts.value.slice(0, 7)] || null;
      let suggested = pick();
      starts.addEventListener("change", () => {
        const next = pick();
        if (topic.value === "" || (suggested && topic.value === suggested.topic)) {
          const box = (item) => form.querySelector(`[name=plan_items][value="${item}"]`);
          if (suggested && box(suggested.item)) box(suggested.item).checked = false;
          topic.value = next ? next.topic : "";
          if (next && box(next.item)) box(next.item).checked = true;
          suggested = next;
        }
      });
    }
  }

  // 登记出勤: the reason box shows only for 请假 (and takes the focus); "全部设为出席" resets every row.
  const rows = Array.from(document.querySelectorAll("[data-attendance-row]"));
  const syncRow = (row) => {
    const reason = row.querySelector("[data-leave-reason]");
    if (!reason) return;
    const onLeave = row.querySelector("input[type=radio][value=leave]:checked") !== null;
    reason.hidden = !onLeave && reason.querySelector(".is-invalid") === null;
  };
  rows.forEach((row) => {
    row.addEventListener("change", (event) => {
      syncRow(row);
      if (event.target.type === "radio" && event.target.value === "leave") {
        const input = row.querySelector("[data-leave-reason] input");
        if (input) input.focus();
      }
    });
    syncRow(row);
  });
  document.querySelectorAll("[data-all-present]").forEach((button) => {
    button.hidden = rows.length === 0;
    button.addEventListener("click", () => {
      rows.forEach((row) => {
        const present = row.querySelector("input[type=radio][value=present]");
        if (present) present.checked = true;
        syncRow(row);
      });
    });
  });
});
