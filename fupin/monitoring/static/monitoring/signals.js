/* A county's remaining poor people at each year's end, with its exit year marked. Data and
   Chinese text come from the page (json_script "signals-data"); SVG, no animation, as the
   registry dashboard. */
(function () {
  var source = document.getElementById('signals-data');
  var el = document.getElementById('chart-remaining');
  if (!source || !el || typeof echarts === 'undefined') { return; }
  var d = JSON.parse(source.textContent);
  var t = d.text;
  var series = [{ type: 'line', name: t.actual, data: d.remaining, itemStyle: { color: '#b71c1c' } }];
  if (d.exit_year && d.years.indexOf(d.exit_year) >= 0) {
    series[0].markLine = { symbol: 'none', label: { formatter: t.exit_year },
                           data: [{ xAxis: d.exit_year + '年' }] };
  }
  var chart = echarts.init(el, null, { renderer: 'svg' });
  chart.setOption({
    animation: false,
    textStyle: { fontFamily: '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif' },
    title: { text: t.title, left: 'center' },
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 60, right: 40, top: 60, bottom: 55 },
    xAxis: { type: 'category', name: t.year, data: d.years.map(function (y) { return y + '年'; }) },
    yAxis: { type: 'value', name: t.people, minInterval: 1 },
    series: series
  });
  el.setAttribute('data-rendered', 'true');
  window.addEventListener('resize', function () { chart.resize(); });
})();
