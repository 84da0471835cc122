/* Monthly report charts: reads the figures from #report-data (JSON), draws them with ECharts. */
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);

  var progress = document.getElementById("chart-progress");
  if (progress) {
    var chart = echarts.init(progress);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.actual, data.labels.target] },
      grid: { left: 180, right: 30 },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: data.progress.map(function (p) { return p.name; }) },
      series: [
        { name: data.labels.actual, type: "bar", data: data.progress.map(function (p) { return p.actual; }) },
        { name: data.labels.target, type: "bar", data: data.progress.map(function (p) { return p.target; }) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  var monthly = document.getElementById("chart-monthly");
  if (monthly) {
    var lines = echarts.init(monthly);
    lines.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.trainings, data.labels.hours] },
      xAxis: { type: "category", data: data.months },
      yAxis: [{ type: "value", name: data.labels.trainings }, { type: "value", name: data.labels.hours }],
      series: [
        { name: data.labels.trainings, type: "bar", data: data.trainings },
        { name: data.labels.hours, type: "line", yAxisIndex: 1, data: data.hours }
      ]
    });
    window.addEventListener("resize", function () { lines.resize(); });
  }
})();
