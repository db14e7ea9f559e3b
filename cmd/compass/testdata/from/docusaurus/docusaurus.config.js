module.exports = {
  title: 'Docusaurus Handbook',
  url: 'https://handbook.example.com',
};
