// The sidebar buttons in the article header (the ones a reader sees) do the same as the theme's own.
//
// pydata-sphinx-theme 0.17 binds its click handler to the first element of class "primary-toggle"
// (or "secondary-toggle") in the page. sphinx-book-theme renders a second one in the article header, and at
// phone width only that second one is visible, so tapping it did nothing (pydata-sphinx-theme issue 2451,
// sphinx-book-theme issue 988). Each visible button forwards its click to the first one, whose handlers open
// the navigation drawer on a phone and show or hide the sidebar on a desktop.
document.addEventListener("DOMContentLoaded", () => {
  for (const kind of ["primary-toggle", "secondary-toggle"]) {
    const buttons = Array.from(document.querySelectorAll("." + kind));
    const first = buttons[0];
    for (const button of buttons.slice(1)) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        first.click();
      });
    }
  }
});

// Search results read as text, not TeX.
//
// Sphinx's search builds each result's snippet from the text of the page's HTML, where math is still its TeX
// source (MathJax typesets it only on the page itself), so snippets showed "\(\eta = 1/L\)". Before the text
// is taken, each math element's TeX is rewritten as plain text: Greek letters and common symbols as Unicode
// characters, \frac{a}{b} as (a)/(b), x_{t-1} as x_(t-1), and the remaining commands, braces and delimiters
// dropped.
const PLAIN_MATH_SYMBOLS = {
  alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ", eta: "η",
  theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ",
  phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ",
  Sigma: "Σ", Phi: "Φ", Omega: "Ω", nabla: "∇", partial: "∂", sum: "Σ", prod: "Π", infty: "∞", le: "≤",
  leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠", approx: "≈", sim: "~", cdot: "·", times: "×", in: "∈",
  star: "*", top: "ᵀ", to: "→", rightarrow: "→", leftarrow: "←", sqrt: "√", lVert: "‖", rVert: "‖", Vert: "‖",
  lvert: "|", rvert: "|", mid: "|", ldots: "…", dots: "…", cdots: "⋯", pm: "±", odot: "⊙", ell: "ℓ",
  quad: " ", qquad: " ",
};

function plainMath(tex) {
  let text = tex.trim().replace(/^(\\\(|\\\[|\$\$?)/, "").replace(/(\\\)|\\\]|\$\$?)$/, "");
  for (let i = 0; i < 3; i++) {  // nested fractions, innermost first
    text = text.replace(/\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "($1)/($2)");
  }
  text = text.replace(/\\[dt]?frac\s*([A-Za-z0-9])\s*([A-Za-z0-9])/g, "$1/$2");  // \frac12
  text = text.replace(/\\([A-Za-z]+)/g, (match, name) => PLAIN_MATH_SYMBOLS[name] ?? "");
  text = text.replace(/\^ᵀ/g, "ᵀ");
  text = text.replace(/([_^])\{([^{}]*)\}/g, (match, mark, group) =>
    group.trim().length > 1 ? `${mark}(${group.trim()})` : mark + group.trim());
  text = text.replace(/\\[,;:! ]/g, " ").replace(/\\([{}%$&#_|])/g, "$1");
  return text.replace(/[{}\\]/g, "").replace(/\s+/g, " ").trim();
}

document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || typeof Search.htmlToText !== "function") return;
  const htmlToText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(".math").forEach((element) => {
      element.textContent = ` ${plainMath(element.textContent)} `;
    });
    return htmlToText(page.documentElement.outerHTML, anchor);
  };
});
