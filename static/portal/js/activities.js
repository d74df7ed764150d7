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

    // New meeting: the topic follows the study plan of the chosen month and kind until the secretary types
    // their own.
    const suggestions = document.getElementById("meeting-plan-suggestions");
    const topic = form.querySelector("[name=topic]");
    if (suggestions && starts && topic) {
      const byMonth = JSON.parse(suggestions.textContent);
      const pick = () => {
        const month = byMonth[starts.value.slice(0, 7)];
        if (!month) return null;
        return (kind && month.kinds && month.kinds[kind.value]) || month;
      };
      let suggested = pick();
      const follow = () => {
        const next = pick();
        if (topic.value === "" || (suggested && topic.value === suggested.topic)) {
          const box = (item) => form.querySelector(`[name=plan_items][value="${item}"]`);
          if (suggested && box(suggested.item)) box(suggested.item).checked = false;
          topic.value = next ? next.topic : "";
          if (next && box(next.item)) box(next.item).checked = true;
          suggested = next;
        }
      };
      starts.addEventListener("change", follow);
      if (kind) kind.addEventListener("change", follow);
    }

    // 主题党日: 学习 is part of every one; ticked when the kind is chosen and nothing is ticked yet.
    if (kind && themeDay) {
      kind.addEventListener("change", () => {
        const parts = Array.from(themeDay.querySelectorAll("[name=theme_day_parts]"));
        if (kind.value === "theme_day" && !parts.some((box) => box.checked)) {
          const study = parts.find((box) => box.value === "study");
          if (study) study.checked = true;
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
  // Find a name in a list of 30 as it is typed: rows that do not match are hidden (their choices are still sent).
  const filterBox = document.querySelector("[data-attendance-filter-box]");
  if (filterBox && rows.length > 0) {
    const input = filterBox.querySelector("[data-attendance-filter]");
    const empty = filterBox.querySelector("[data-attendance-filter-empty]");
    filterBox.hidden = false;
    input.addEventListener("input", () => {
      const wanted = input.value.trim();
      let shown = 0;
      rows.forEach((row) => {
        const match = wanted === "" || (row.dataset.name || "").includes(wanted);
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (empty) empty.hidden = shown > 0;
    });
    // Enter jumps to the only match instead of saving the form.
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const first = rows.find((row) => !row.hidden);
      const radio = first && first.querySelector("input[type=radio]:checked");
      if (radio) radio.focus();
    });
  }

  // A failed save: the alert at the top takes the focus; its link goes to the first row in error.
  const errors = document.querySelector("[data-attendance-errors]");
  if (errors) {
    errors.focus();
    const link = errors.querySelector("[data-first-error]");
    if (link) {
      link.addEventListener("click", (event) => {
        const row = document.querySelector(link.getAttribute("href"));
        if (!row) return;
        event.preventDefault();
        if (filterBox) {
          const input = filterBox.querySelector("[data-attendance-filter]");
          input.value = "";
          input.dispatchEvent(new Event("input"));
        }
        row.scrollIntoView({ block: "center" });
        const field = row.querySelector("[data-leave-reason] input") || row.querySelector("input[type=radio]");
        if (field) field.focus({ preventScroll: true });
        history.replaceState(null, "", link.getAttribute("href"));
      });
    }
  }

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
