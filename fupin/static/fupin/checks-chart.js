/* The checks page's chart of flagged households per rule (registry/checks.html); a static file,
   not inline, so that the Content-Security-Policy allows scripts from this server only. */
(function () {
  var el = document.getElementById('chart-rules');
  var source = document.getElementById('checks-chart-data');
  if (!el || !source || typeof echarts === 'undefined') { return; }
  var d = JSON.parse(source.textContent);
  var rules = d.rules.slice().reverse();
  el.style.height = Math.max(320, 80 + 24 * rules.length) + 'px';
  var chart = echarts.init(el, null, { renderer: 'svg' });
  chart.setOption({
    animation: false,
    textStyle: { fontFamily: '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif' },
    title: rules.length ? { text: d.text.title, left: 'center' }
                        : { text: d.text.title, subtext: d.text.no_data, left: 'center', top: 'middle' },
    tooltip: { trigger: 'item' },
    grid: { left: 10, right: 60, top: 40, bottom: 30, containLabel: true },
    xAxis: { type: 'value', name: d.text.households, minInterval: 1 },
    yAxis: { type: 'category', data: rules.map(function (r) { return r.title; }), axisLabel: { interval: 0 } },
    series: [{ type: 'bar', name: d.text.households, itemStyle: { color: '#b71c1c' },
               label: { show: true, position: 'right' },
               data: rules.map(function (r) { return r.flagged; }) }]
  });
  el.setAttribute('data-rendered', 'true');
  chart.on('click', function (p) {
    window.location.search = '?rule=' + encodeURIComponent(rules[p.dataIndex].id);
  });
  window.addEventListener('resize', function () { chart.resize(); });
})();
