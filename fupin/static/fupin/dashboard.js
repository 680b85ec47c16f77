/* Region dashboard: entries and exits by year, poverty causes, incidence by child region, and the
   villages on lon/lat axes coloured by incidence. Data and Chinese text come from the page
   (json_script "dashboard-data"); SVG rendering keeps every label as real text in the page. */
(function () {
  var source = document.getElementById('dashboard-data');
  if (!source || typeof echarts === 'undefined') { return; }
  var d = JSON.parse(source.textContent);
  var t = d.text;
  var FONT = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var PALETTE = ['#b71c1c', '#2e7d32', '#ef6c00', '#616161', '#1565c0', '#6a1b9a'];
  var pct = function (v) { return v === null || v === undefined ? '—' : (v * 100).toFixed(2) + '%'; };
  var axisPct = function (v) { return +(v * 100).toFixed(2) + '%'; };  // 0.5%, not 0.50% or 1%
  var charts = [];

  function draw(id, option, renderer) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var chart = echarts.init(el, null, { renderer: renderer || 'svg' });
    option.animation = false;  // figures are read, not watched
    option.textStyle = { fontFamily: FONT };
    option.color = option.color || PALETTE;
    chart.setOption(option);
    el.setAttribute('data-rendered', 'true');
    charts.push(chart);
    return chart;
  }

  function empty(title) {
    return { title: { text: title, left: 'center', subtext: t.no_data, top: 'middle' } };
  }

  // Entries (识别 纳入, 返贫) and exits (脱贫, 清退) by year.
  if (d.events.years.length) {
    draw('chart-events', {
      title: { text: t.events, left: 'center' },
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 60, right: 50, top: 45, bottom: 55 },
      xAxis: { type: 'category', name: t.year,
               data: d.events.years.map(function (y) { return y + '年'; }) },
      yAxis: { type: 'value', name: t.households },
      series: d.events.series.map(function (s) {
        return { type: 'bar', name: s.label, data: s.counts };
      })
    });
  } else {
    draw('chart-events', empty(t.events));
  }

  // Main poverty causes, most common at the top.
  if (d.causes.length) {
    var causes = d.causes.slice().reverse();
    draw('chart-causes', {
      title: { text: t.causes, left: 'center' },
      tooltip: { trigger: 'item', formatter: function (p) {
        var c = causes[p.dataIndex];
        return c.label + '：' + c.households + ' 户，' + c.people + ' 人';
      } },
      grid: { left: 130, right: 40, top: 45, bottom: 30 },
      xAxis: { type: 'value', name: t.households },
      yAxis: { type: 'category', data: causes.map(function (c) { return c.label; }),
               axisLabel: { interval: 0 } },
      series: [{ type: 'bar', name: t.households, itemStyle: { color: '#b71c1c' },
                 label: { show: true, position: 'right' },
                 data: causes.map(function (c) { return c.households; }) }]
    });
  } else {
    draw('chart-causes', empty(t.causes));
  }

  // Incidence by child region.
  if (document.getElementById('chart-children')) {
    if (d.children.length) {
      var kids = d.children;
      var el = document.getElementById('chart-children');
      el.style.height = Math.max(320, 90 + 26 * kids.length) + 'px';
      draw('chart-children', {
        title: { text: t.children, left: 'center' },
        tooltip: { trigger: 'item', formatter: function (p) {
          var k = kids[p.dataIndex];
          return k.name + '<br>' + t.incidence + '：' + pct(k.incidence) + '<br>' +
            t.poor_people + ' ' + k.poor_people + ' / ' + t.people + ' ' + k.people;
        } },
        grid: { left: 130, right: 60, top: 45, bottom: 40 },
        xAxis: { type: 'value', name: t.incidence, nameLocation: 'middle', nameGap: 26,
                 axisLabel: { formatter: axisPct } },
        yAxis: { type: 'category', inverse: true, data: kids.map(function (k) { return k.name; }),
               axisLabel: { interval: 0 } },
        series: [{ type: 'bar', name: t.incidence, itemStyle: { color: '#c62828' },
                   label: { show: true, position: 'right', formatter: function (p) { return pct(p.value); } },
                   data: kids.map(function (k) { return k.incidence; }) }]
      }).on('click', function (p) {
        window.location.href = d.village_url.replace(d.placeholder, kids[p.dataIndex].code);
      });
    } else {
      draw('chart-children', empty(t.children));
    }
  }

  // Villages as points on lon/lat axes (no map shapes offline), coloured by incidence.
  if (document.getElementById('chart-map')) {
    var v = d.villages;  // [lon, lat, incidence, name, code, households, people, poor people]
    if (v.length) {
      var top = Math.max.apply(null, v.map(function (p) { return p[2] || 0; }).concat([0.01]));
      var many = v.length > 4000;  // a province: canvas draws 12 000 points far faster than SVG
      var map = draw('chart-map', {
        title: { text: t.map, left: 'center' },
        tooltip: { trigger: 'item', formatter: function (p) {
          var r = p.data;
          return '<b>' + r[3] + '</b>（' + r[4] + '）<br>' + t.incidence + '：' + pct(r[2]) +
            '<br>' + t.households + '：' + r[5] + '，' + t.people + '：' + r[6] + '，' +
            t.poor_people + '：' + r[7] + '<br>' + t.click;
        } },
        grid: { left: 70, right: 110, top: 45, bottom: 50 },
        xAxis: { type: 'value', name: t.lon, scale: true, nameLocation: 'middle', nameGap: 28,
                 axisLabel: { formatter: function (x) { return x.toFixed(2) + '°E'; } } },
        yAxis: { type: 'value', name: t.lat, scale: true,
                 axisLabel: { formatter: function (y) { return y.toFixed(2) + '°N'; } } },
        visualMap: { type: 'continuous', dimension: 2, min: 0, max: top, calculable: true,
                     right: 5, top: 'middle', text: [t.incidence, ''], formatter: pct,
                     inRange: { color: ['#fff3e0', '#ffb74d', '#e53935', '#7f0000'] } },
        series: [{ type: 'scatter', name: t.map, symbolSize: many ? 4 : 11, large: many,
                   itemStyle: { borderColor: '#555', borderWidth: many ? 0 : 0.5 },
                   data: v }]
      }, many ? 'canvas' : 'svg');
      map.on('click', function (p) {
        if (p.data) { window.location.href = d.village_url.replace(d.placeholder, p.data[4]); }
      });
    } else {
      draw('chart-map', empty(t.map));
    }
  }

  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
