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
