// Shared by the example pages: shows the page's #banner and reports the click.
// exampleBanner(function (accepted) { ... }) — accepted is true or false.
window.exampleBanner = function (onAnswer) {
  function wire() {
    var banner = document.getElementById('banner');
    banner.querySelectorAll('[data-answer]').forEach(function (button) {
      button.addEventListener('click', function () {
        banner.hidden = true;
        onAnswer(button.getAttribute('data-answer') === 'accept');
      });
    });
    banner.hidden = false;
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wire);
  else wire();
};
