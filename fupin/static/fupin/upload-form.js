/* The upload page shows the hints and the options of the chosen kind of file only (all of them
   while no kind is chosen). Each hint names its kind (data-kind), each option the kinds that ask
   for it (data-kinds, separated by spaces). */
(function () {
  var select = document.querySelector('#upload-form select[name=kind]');
  if (!select) { return; }
  function show() {
    var kind = select.value;
    document.querySelectorAll('.upload-hint').forEach(function (el) {
      el.hidden = kind !== '' && el.dataset.kind !== kind;
    });
    document.querySelectorAll('.upload-option').forEach(function (el) {
      el.hidden = kind !== '' && el.dataset.kinds.split(' ').indexOf(kind) < 0;
    });
  }
  select.addEventListener('change', show);
  show();
})();
