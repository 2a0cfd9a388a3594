// Draws each new figure from Python into the same graph div with Plotly.react, so that
// Plotly's `uirevision` keeps what the reader did (zoom, pan, hidden legend entries,
// brushed parallel axes) while a live run adds trials. st.plotly_chart cannot: it mounts
// a new graph whenever the figure changes (docs/dashboard.md).
//
// Speaks Streamlit's custom-component protocol (version 1) directly: the parent page
// sends "streamlit:render" with the arguments and theme; we answer with our height.
(function () {
  "use strict";

  const chart = document.getElementById("chart");
  const problem = document.getElementById("problem");
  const CONFIG = { displaylogo: false, responsive: true };
  const DEFAULT_HEIGHT = 450;
  let drawn = { spec: null, theme: null };

  function tell(type, fields) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, fields), "*");
  }

  // The app's theme as a Plotly template: the app's background and text colours, so one
  // figure reads well on the light and the dark theme alike. The background is painted,
  // not left transparent, because Plotly outlines parallel-axis labels in it.
  function themeTemplate(theme) {
    const dark = theme.base === "dark";
    const text = theme.textColor || (dark ? "#fafafa" : "#31333f");
    const background = theme.backgroundColor || (dark ? "#0e1117" : "#ffffff");
    const faint = dark ? "rgba(250, 250, 250, 0.15)" : "rgba(49, 51, 63, 0.15)";
    const axis = { gridcolor: faint, zerolinecolor: faint, linecolor: faint, automargin: true, ticklabelstandoff: 4 };
    return {
      layout: {
        font: { family: theme.font || "sans-serif", color: text },
        paper_bgcolor: background,
        plot_bgcolor: background,
        hoverlabel: { font: { family: theme.font || "sans-serif" } },
        legend: { bgcolor: "rgba(0, 0, 0, 0)" },
        xaxis: axis,
        yaxis: axis,
      },
    };
  }

  function draw(spec, theme, alt) {
    const figure = JSON.parse(spec);
    const layout = Object.assign({}, figure.layout, { template: themeTemplate(theme || {}) });
    delete layout.width; // the frame's width wins; Plotly follows it (responsive)
    const height = layout.height || DEFAULT_HEIGHT;
    layout.height = height;
    chart.setAttribute("aria-label", alt || "chart");
    tell("streamlit:setFrameHeight", { height: height });
    return Plotly.react(chart, figure.data || [], layout, CONFIG);
  }

  window.addEventListener("message", function (event) {
    const message = event.data;
    if (!message || message.type !== "streamlit:render") return;
    const args = message.args || {};
    const theme = JSON.stringify(message.theme || {});
    if (args.spec === drawn.spec && theme === drawn.theme) return;
    drawn = { spec: args.spec, theme: theme };
    problem.hidden = true;
    problem.style.color = (message.theme && message.theme.textColor) || "";
    loadPlotly(args.plotly_src)
      .then(function () { return draw(args.spec, message.theme, args.alt); })
      .catch(showProblem);
  });

  // plotly.js is served from the plotly package's own folder (live_chart.py); loaded
  // once, on the first render, which names where it is.
  let plotlyLoaded = null;
  function loadPlotly(source) {
    if (plotlyLoaded === null) {
      plotlyLoaded = new Promise(function (resolve, reject) {
        const script = document.createElement("script");
        script.src = source;
        script.onload = resolve;
        script.onerror = function () { reject(new Error("plotly.js did not load from " + source)); };
        document.head.appendChild(script);
      });
    }
    return plotlyLoaded;
  }

  function showProblem(error) {
    problem.textContent = "This chart could not be drawn: " + error.message;
    problem.hidden = false;
    tell("streamlit:setFrameHeight", { height: problem.scrollHeight + 16 });
  }

  tell("streamlit:componentReady", { apiVersion: 1 });
})();
