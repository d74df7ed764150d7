// 督导检查: draws the dashboard's charts with the vendored ECharts from the numbers the page also shows in its
// tables (json_script "dashboard-data"); without JavaScript the tables are the whole page. Tooltips are drawn on
// the canvas (renderMode "richText"): ECharts' HTML tooltips use inline styles, which the CSP forbids.
// Also wires the 情况通报's print button.
(function () {
  "use strict";

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });

  const source = document.getElementById("dashboard-data");
  if (!source || typeof window.echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const labels = data.labels;
  const colors = { high: "#2e7d32", mid: "#e0a800", low: "#c62828", open: "#cfd8dc" };
  const charts = [];

  function metOf(met, applicable) {
    return labels.met_of.replace("%(met)s", String(met)).replace("%(applicable)s", String(applicable));
  }

  const heatElement = document.getElementById("chart-heat");
  if (heatElement && data.heat.rows.length) {
    heatElement.hidden = false; // hidden until drawn: without JavaScript the table below is the chart
    heatElement.style.height = `${Math.max(160, data.heat.rows.length * 28 + 90)}px`;
    const narrow = heatElement.clientWidth < 576; // phones: no numbers in the cells (the table has them)
    const heat = window.echarts.init(heatElement);
    heat.setOption({
      animation: false,
      tooltip: {
        renderMode: "richText",
        formatter: (params) => {
          if (params.componentType === "yAxis") return data.heat.names[data.heat.rows.indexOf(params.value)] || params.value;
          const [x, y, rate, met, applicable] = params.value;
          const head = `${data.heat.names[y]} ${data.months[x]}`;
          return rate < 0 ? `${head}\n${labels.open} ${metOf(met, applicable)}` : `${head}\n${labels.rate} ${rate}%\n${metOf(met, applicable)}`;
        },
      },
      grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: data.months, splitArea: { show: true } },
      yAxis: {
        type: "category",
        data: data.heat.rows,
        inverse: true,
        axisLabel: { width: narrow ? 72 : 140, overflow: "truncate" },
        triggerEvent: true, // a cut-off name shows whole in the tooltip below
      },
      visualMap: {
        type: "piecewise",
        dimension: 2,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        pieces: [
          { min: data.thresholds.high, max: 100, label: labels.high, color: colors.high },
          { min: data.thresholds.mid, max: data.thresholds.high - 1, label: labels.mid, color: colors.mid },
          { min: 0, max: data.thresholds.mid - 1, label: labels.low, color: colors.low },
          { value: -1, label: labels.open, color: colors.open },
        ],
      },
      series: [
        {
          type: "heatmap",
          data: data.heat.cells,
          label: {
            show: !narrow,
            color: "#fff",
            formatter: (params) => (params.value[2] < 0 ? "…" : `${params.value[2]}`),
          },
          itemStyle: { borderColor: "#fff", borderWidth: 1 },
        },
      ],
    });
    charts.push(heat);
  }

  const trendElement = document.getElementById("chart-trend");
  if (trendElement && data.trend.some((value) => value !== null)) {
    trendElement.hidden = false;
    const trend = window.echarts.init(trendElement);
    trend.setOption({
      animation: false,
      color: [colors.low],
      tooltip: {
        trigger: "axis",
        renderMode: "richText",
        formatter: (params) => {
          const point = params[0];
          const [met, applicable] = data.trend_counts[point.dataIndex];
          return point.value === null || point.value === undefined
            ? `${point.name} ${labels.open}`
            : `${point.name}\n${labels.rate} ${point.value}%\n${metOf(met, applicable)}`;
        },
      },
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.months, boundaryGap: false },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        {
          type: "line",
          name: labels.rate,
          data: data.trend,
          connectNulls: false,
          symbolSize: 7,
          label: { show: true, formatter: "{c}%" },
          markLine: {
            silent: true,
            symbol: "none",
            lineStyle: { color: colors.high, type: "dashed" },
            data: [{ yAxis: data.thresholds.high }],
            label: { formatter: labels.high, position: "insideEndTop" },
          },
        },
      ],
    });
    charts.push(trend);
  }

  let pending = null;
  window.addEventListener("resize", () => {
    window.clearTimeout(pending);
    pending = window.setTimeout(() => charts.forEach((chart) => chart.resize()), 150);
  });
})();
