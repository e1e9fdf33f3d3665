declare module 'plotly.js/dist/plotly-basic.min.js' {
  import Plotly from 'plotly.js';
  export default Plotly;
}
