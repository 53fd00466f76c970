import { mount } from 'svelte';
import './lib/base.css';
import './lib/buttons.css';
import './lib/table-scroll.css';
import App from './App.svelte';

mount(App, { target: document.getElementById('app')! });
