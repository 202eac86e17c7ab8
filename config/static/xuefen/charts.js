/* Draws every <div data-chart="ID"> from the JSON in <script id="ID">: stacked bars, one series per key. */
(function () {
  function draw(el) {
    if (!window.echarts) return;
    var data = JSON.parse(document.getElementById(el.dataset.chart).textContent);
    var chart = echarts.init(el, null, {renderer: "svg"});
    var keys = Object.keys(data.series);
    chart.setOption({
      animation: false,
      color: ["#7a1f2b", "#1d4f91", "#b7791f", "#116d3c", "#52606d"],
      tooltip: {trigger: "axis"},
      legend: {top: 0, data: keys.map(function (k) { return (data.names || {})[k] || k; })},
      grid: {left: 40, right: 10, top: 40, bottom: 30, containLabel: true},
      xAxis: {type: "category", data: data.labels},
      yAxis: {type: "value", minInterval: 1},
      series: keys.map(function (k) {
        return {name: (data.names || {})[k] || k, type: "bar", stack: "all", data: data.series[k]};
      })
    });
    // Follow the container (a phone's rotation, a narrower window) so the chart never forces sideways scrolling.
    if (window.ResizeObserver) new ResizeObserver(function () { chart.resize(); }).observe(el);
    else window.addEventListener("resize", function () { chart.resize(); });
  }
  function all() { document.querySelectorAll("[data-chart]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all); else all();
})();
