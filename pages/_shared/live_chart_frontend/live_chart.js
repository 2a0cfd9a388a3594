// Draws each new figure from Python into the same graph div with Plotly.react, so that
// Plotly's `uirevision` keeps what the reader did (zoom, pan, hidden legend entries,
// brushed parallel axes) while a live run adds trials. st.plotly_chart cannot: it mounts
// a new graph whenever the figure changes (docs/dashboard.md).
//
// A Streamlit version-2 component: this module runs in the app's own page (no iframe),
// and Streamlit calls its default export with the data from Python on every change. So
// plotly.js is loaded once per page for every chart, and no message from another window
// is ever listened to (issue 15: an iframe that took any sender's "render" message could
// be made to load a stranger's script).

const DEFAULT_HEIGHT = 450;
const CONFIG = { displaylogo: false, responsive: true };
// The page's plotly.js loads, kept on the window (Streamlit may import this module more
// than once): "cartesian" (the small bundle most charts need) and "full" (every trace).
const LOADS = "sweetspotPlotlyLoads";

// plotly.js for a chart, as {plotly, full}: `bundle` is {src, full} from live_chart.py. A
// chart that the small bundle draws takes whichever bundle is loaded or loading (the full
// one draws it too); a chart that needs the full bundle loads it once, and from then on
// it serves every new chart. plotly.js comes from the app's own origin only; any other
// address is refused.
function loadPlotly(bundle) {
  const loads = window[LOADS] || (window[LOADS] = {});
  const kind = bundle.full ? "full" : "cartesian";
  const ready = loads.full || (bundle.full ? null : loads.cartesian);
  if (ready) return ready;
  loads[kind] = new Promise(function (resolve, reject) {
    const url = new URL(bundle.src, document.baseURI);
    if (url.origin !== window.location.origin) {
      reject(new Error("plotly.js must come from this app, not from " + url.origin));
      return;
    }
    const script = document.createElement("script");
    script.src = url.href;
    script.onload = function () {
      performance.mark("sweetspot:plotly-ready");
      resolve({ plotly: window.Plotly, full: bundle.full });
    };
    script.onerror = function () { reject(new Error("plotly.js did not load from " + url.href)); };
    document.head.appendChild(script);
  });
  loads[kind].catch(function () { delete loads[kind]; }); // a later chart may try again
  return loads[kind];
}

// The app's theme as a Plotly template, read from the CSS variables Streamlit sets around
// every version-2 component: the app's background and text colours, so one figure reads
// well on the light and the dark theme alike. The background is painted, not left
// transparent, because Plotly outlines parallel-axis labels in it.
function themeTemplate(element) {
  const style = getComputedStyle(element);
  const read = function (name, fallback) { return style.getPropertyValue(name).trim() || fallback; };
  const text = read("--st-text-color", "#31333f");
  const background = read("--st-background-color", "#ffffff");
  const font = read("--st-font", "sans-serif");
  const faint = translucent(element, text, 0.15);
  const axis = { gridcolor: faint, zerolinecolor: faint, linecolor: faint, automargin: true, ticklabelstandoff: 4 };
  return {
    key: [text, background, font].join("|"),
    layout: {
      font: { family: font, color: text },
      paper_bgcolor: background,
      plot_bgcolor: background,
      hoverlabel: { font: { family: font } },
      legend: { bgcolor: "rgba(0, 0, 0, 0)" },
      xaxis: axis,
      yaxis: axis,
    },
  };
}

// `color` (any CSS colour) at `alpha`, in the rgba() form Plotly understands.
function translucent(element, color, alpha) {
  const probe = document.createElement("span");
  probe.style.color = color;
  probe.hidden = true;
  element.appendChild(probe);
  const rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || ["49", "51", "63"]).slice(0, 3);
  probe.remove();
  return "rgba(" + rgb.join(", ") + ", " + alpha + ")";
}

function parts(parentElement) {
  let chart = parentElement.querySelector(":scope > .sweetspot-chart");
  if (!chart) {
    chart = document.createElement("div");
    chart.className = "sweetspot-chart";
    chart.setAttribute("role", "figure");
    const problem = document.createElement("div");
    problem.className = "sweetspot-chart-problem";
    problem.hidden = true;
    parentElement.append(chart, problem);
  }
  return { chart: chart, problem: parentElement.querySelector(":scope > .sweetspot-chart-problem") };
}

// The plotly.js that drew this chart, while it still draws the new figure: an update
// through the same instance keeps the reader's zoom (`uirevision`).
function plotlyFor(chart, bundle) {
  const drawn = chart.drawnWith;
  return drawn && (drawn.full || !bundle.full) ? Promise.resolve(drawn) : loadPlotly(bundle);
}

function draw(loaded, chart, data, template) {
  const figure = JSON.parse(data.spec);
  const layout = Object.assign({}, figure.layout, { template: { layout: template.layout } });
  delete layout.width; // the column's width wins; Plotly follows it (responsive)
  layout.height = layout.height || DEFAULT_HEIGHT;
  chart.style.minHeight = layout.height + "px"; // no jump while plotly.js loads
  chart.setAttribute("aria-label", data.alt || "chart");
  // A graph first drawn by the small bundle and now needing the full one is drawn anew.
  const Plotly = loaded.plotly;
  const fresh = chart.drawnWith !== loaded;
  chart.drawnWith = loaded;
  return (fresh ? Plotly.newPlot : Plotly.react)(chart, figure.data || [], layout, CONFIG);
}

// Timings a benchmark reads (bench/browser.py): when each chart got its data and was drawn.
function timed(key, started) {
  performance.measure("sweetspot:chart:" + key, { start: started, end: performance.now() });
}

export default function (component) {
  const data = component.data || {};
  if (data.preload) { // the page's first element: plotly.js loads while the server computes
    loadPlotly(data.plotly).catch(function () {}); // a chart will say what went wrong
    return;
  }
  const { chart, problem } = parts(component.parentElement);
  const template = themeTemplate(component.parentElement);
  if (chart.drawnSpec === data.spec && chart.drawnTheme === template.key) return;
  chart.drawnSpec = data.spec;
  chart.drawnTheme = template.key;
  problem.hidden = true;
  const started = performance.now();
  plotlyFor(chart, data.plotly)
    .then(function (loaded) { return draw(loaded, chart, data, template); })
    .then(function () { timed(data.key, started); })
    .catch(function (error) {
      chart.drawnSpec = null;
      problem.textContent = "This chart could not be drawn: " + error.message;
      problem.hidden = false;
    });
}
