/* The style guide's demo forms go nowhere (the page has no POST handler). */
document.addEventListener("submit", function (event) {
  if (event.target.hasAttribute("data-sg-demo")) event.preventDefault();
}, true);
